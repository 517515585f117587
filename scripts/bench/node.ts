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
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import type { EvalReport } from '../../src/engine/train/report';
import { Trainer } from '../../src/engine/train/trainer';
import { buildContext } from '../../src/engine/models/types';
import { Rng } from '../../src/engine/util/rng';
import { withReference } from '../twins/reference';
import { BenchRecorder, type BenchData } from './summary';

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
 * Trains in this Node process on the cpu (or wasm) backend and prints the JSON lines. `notes`: the data's
 * Check-data notes, kept in the summary. `exportTo`: also writes the run's zip in the page's format, with the test
 * split's logits for the PyTorch twins' parity check. `soak`: exactly that many steps (epochs as needed, no early
 * stopping), with memory read at the first step, the middle and the last.
 */
export async function runInNode(
  run: PlannedRun,
  data: BenchData,
  backend: string,
  notes: string[],
  exportTo?: string,
  soak?: number,
): Promise<Record<string, unknown>> {
  const exp = soak ? soakRun(run, soak) : run.experiment;
  const formulation = await activateBackend(backend);
  if (!formulation) throw new Error(`the ${backend} backend is not available in Node (use cpu or wasm)`);
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
    { name: `${backend} (node)` },
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
        adapter: null,
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
