import { readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { version as APP_VERSION } from '../../package.json';
import { TRAIN_LIMITS, type PlannedRun } from '../../src/engine/experiment';
import { backendCapacity, budgetProblem } from '../../src/engine/budget';
import { loadDataset } from '../../src/engine/data/load';
import { dataShapeOf } from '../../src/engine/data/types';
import { exportRunZip, runMetricsOf } from '../../src/engine/io/modelZip';
import { activateBackend } from '../../src/engine/kernels/backend';
import type { Formulation } from '../../src/engine/models/experts';
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import type { EvalReport } from '../../src/engine/train/report';
import { Trainer } from '../../src/engine/train/trainer';
import { buildContext } from '../../src/engine/models/types';
import { Rng } from '../../src/engine/util/rng';
import { startDawnWebGpu } from './dawn';
import { withReference } from '../twins/reference';
import { BenchRecorder, type BenchData } from './summary';
import { startThreadedWasm } from './wasmThreads';

interface NodeBackend {
  formulation: Formulation;
  adapter: string | null;
  threads: number | null;
}

let started: { name: string; backend: NodeBackend } | null = null;

/** cpu; wasm with a thread per core; webgpu through Dawn (a GPU, or SwiftShader: see dawn.ts). Once per process. */
async function startBackend(name: string, wasmThreads?: number): Promise<NodeBackend> {
  if (started) {
    if (started.name !== name) throw new Error(`this process already runs the ${started.name} backend`);
    return started.backend;
  }
  let backend: NodeBackend;
  if (name === 'webgpu') {
    const dawn = await startDawnWebGpu();
    backend = { formulation: dawn.formulation, adapter: dawn.adapter, threads: null };
  } else if (name === 'wasm') {
    const wasm = await startThreadedWasm(wasmThreads);
    backend = { formulation: wasm.formulation, adapter: null, threads: wasm.threads };
  } else {
    const formulation = await activateBackend(name);
    if (!formulation)
      throw new Error(`the ${name} backend is not available in Node (use cpu, wasm or webgpu)`);
    backend = { formulation, adapter: null, threads: null };
  }
  console.log(
    JSON.stringify({
      event: 'backend',
      backend: name,
      adapter: backend.adapter,
      threads: backend.threads,
      formulation: backend.formulation.name,
    }),
  );
  started = { name, backend };
  return backend;
}

/** A soak's memory reading: tensors held, their bytes, and the process's resident memory. */
function memoryLine(at: string, step: number): string {
  const { numTensors, numBytes } = tf.memory();
  return JSON.stringify({
    event: 'soak',
    at,
    step,
    numTensors,
    tensorBytes: numBytes,
    rssBytes: process.memoryUsage().rss,
  });
}

/**
 * Trains in this Node process and prints the JSON lines. `notes`: the data's Check-data notes, kept in the summary.
 * `exportTo`: also writes the run's zip in the page's format, with the test split's logits for the PyTorch twins'
 * parity check. `wasmThreads`: overrides the wasm backend's thread count (a thread per core). `soak`: exactly
 * that many steps (epochs as needed, no early stopping), with memory read at the first step, the middle and the last.
 */
export async function runInNode(
  run: PlannedRun,
  data: BenchData,
  backend: string,
  notes: string[],
  options: { exportTo?: string; wasmThreads?: number; soak?: number } = {},
): Promise<Record<string, unknown>> {
  const { exportTo, wasmThreads, soak } = options;
  const exp = soak ? soakRun(run, soak) : run.experiment;
  const { formulation, adapter, threads } = await startBackend(backend, wasmThreads);
  const dataset = await loadDataset(new Uint8Array(readFileSync(data.path)), exp.data);
  const capacity = backendCapacity(backend, { deviceMemoryBytes: totalmem() });
  const problem = budgetProblem(exp, dataShapeOf(dataset.schema), capacity);
  if (problem) throw new Error(`${run.name}, seed ${exp.train.seed}: ${problem}`);
  const { model } = buildModel(
    exp.model.id,
    exp.model.options,
    buildContext(dataShapeOf(dataset.schema), exp.train, new Rng(exp.train.seed), formulation),
  );
  const recorder = new BenchRecorder(
    run.name,
    exp.model.id,
    exp.train.seed,
    { name: `${backend} (node)`, adapter, threads },
    notes,
    data.oracle,
  );
  // Routing at initialisation, on the same test rows, so specialisation can be read as a ratio.
  const initial = await evaluate(
    model,
    dataset,
    dataset.splits.test,
    exp.train.batchSize,
    new Rng(exp.train.seed),
    'test',
  );
  const marks = soak
    ? new Map([
        [1, 'start'],
        [Math.ceil(soak / 2), 'middle'],
        [soak, 'end'],
      ])
    : new Map<number, string>();
  let valid: EvalReport | undefined;
  const trainer = new Trainer({
    model,
    dataset,
    config: exp.train,
    formulation,
    onEvent: (e) => {
      if (e.type === 'eval' && !e.report.partial) valid = e.report;
      recorder.onEvent(e);
      const at = e.type === 'progress' ? marks.get(e.step) : undefined;
      if (at !== undefined) console.log(memoryLine(at, (e as { step: number }).step));
    },
  });
  const done = await trainer.run();
  const kernels = await trainer.kernelsPerStep();
  const summary = recorder.summary(done, kernels, initial.gates);
  console.log(JSON.stringify(summary));
  if (exportTo) {
    const zip = await exportRunZip({
      experiment: exp,
      schema: dataset.schema,
      params: model.params,
      metrics: runMetricsOf(done, valid),
      environment: {
        backend: `${backend} (node)`,
        adapter,
        userAgent: `Node ${process.version}`,
        tfjs: tf.version.tfjs,
        app: APP_VERSION,
        seed: exp.train.seed,
      },
    });
    writeFileSync(
      exportTo,
      await withReference(zip, model, dataset, {
        split: 'test',
        batchSize: exp.train.batchSize,
        backend: `${backend} (node)`,
      }),
    );
    console.log(JSON.stringify({ event: 'export', file: exportTo }));
  }
  trainer.dispose();
  model.params.dispose();
  return summary;
}

/** The run as a soak: `steps` steps exactly (maxSteps), epochs enough for them, no early stopping. */
function soakRun(run: PlannedRun, steps: number): PlannedRun['experiment'] {
  const exp = run.experiment;
  return { ...exp, train: { ...exp.train, maxSteps: steps, epochs: TRAIN_LIMITS.epochs, patience: 0 } };
}

/**
 * What one training step costs, without training or evaluating: the kernels it launches and the JS time spent
 * issuing it, measured on a second profiled step (the first compiles the GPU pipelines). Prints one JSON line.
 */
export async function stepCostInNode(
  run: PlannedRun,
  dataPath: string,
  backend: string,
): Promise<Record<string, unknown>> {
  const exp = run.experiment;
  const { formulation, adapter, threads } = await startBackend(backend);
  const dataset = await loadDataset(new Uint8Array(readFileSync(dataPath)), exp.data);
  const { model } = buildModel(
    exp.model.id,
    exp.model.options,
    buildContext(dataShapeOf(dataset.schema), exp.train, new Rng(exp.train.seed), formulation),
  );
  const trainer = new Trainer({ model, dataset, config: exp.train, formulation, onEvent: () => {} });
  const first = await trainer.profileStep();
  const { kernels, hostMs } = await trainer.profileStep();
  const summary = {
    event: 'step-cost',
    name: run.name,
    model: exp.model.id,
    backend: `${backend} (node)`,
    adapter,
    threads,
    params: model.params.count(),
    batchSize: exp.train.batchSize,
    kernelsPerStep: kernels,
    hostMsPerStep: Number(hostMs.toFixed(2)),
    firstStepHostMs: Number(first.hostMs.toFixed(2)),
  };
  console.log(JSON.stringify(summary));
  trainer.dispose();
  model.params.dispose();
  return summary;
}
