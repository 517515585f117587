import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { totalmem } from 'node:os';
import '@tensorflow/tfjs-backend-wasm';
import { TRAIN_LIMITS, type PlannedRun } from '../../src/engine/experiment';
import { backendCapacity, budgetProblem } from '../../src/engine/budget';
import { loadDataset } from '../../src/engine/data/load';
import { dataShapeOf } from '../../src/engine/data/types';
import { activateBackend } from '../../src/engine/kernels/backend';
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import { Trainer } from '../../src/engine/train/trainer';
import { Rng } from '../../src/engine/util/rng';
import { BenchRecorder } from './summary';

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
 * Trains in this Node process on the cpu (or wasm) backend and prints the JSON lines. `soak`: exactly that many
 * steps (epochs as needed, no early stopping), with memory read at the first step, the middle and the last.
 */
export async function runInNode(
  run: PlannedRun,
  dataPath: string,
  backend: string,
  soak?: number,
): Promise<Record<string, unknown>> {
  const exp = soak ? soakRun(run, soak) : run.experiment;
  const formulation = await activateBackend(backend);
  if (!formulation) throw new Error(`the ${backend} backend is not available in Node (use cpu or wasm)`);
  const dataset = await loadDataset(new Uint8Array(readFileSync(dataPath)), exp.data);
  const capacity = backendCapacity(backend, { deviceMemoryBytes: totalmem() });
  const problem = budgetProblem(exp, dataShapeOf(dataset.schema), capacity);
  if (problem) throw new Error(`${run.name}, seed ${exp.train.seed}: ${problem}`);
  const { model } = buildModel(exp.model.id, exp.model.options, {
    shape: dataShapeOf(dataset.schema),
    embeddingDim: exp.train.embeddingDim,
    rng: new Rng(exp.train.seed),
    formulation,
  });
  const recorder = new BenchRecorder(run.name, exp.model.id, exp.train.seed, { name: `${backend} (node)` });
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
  const trainer = new Trainer({
    model,
    dataset,
    config: exp.train,
    onEvent: (e) => {
      recorder.onEvent(e);
      const at = e.type === 'progress' ? marks.get(e.step) : undefined;
      if (at !== undefined) console.log(memoryLine(at, (e as { step: number }).step));
    },
  });
  const done = await trainer.run();
  const kernels = await trainer.kernelsPerStep();
  const summary = recorder.summary(done, kernels, initial.gates);
  console.log(JSON.stringify(summary));
  trainer.dispose();
  model.params.dispose();
  return summary;
}

/** The run as a soak: `steps` steps exactly (maxSteps), epochs enough for them, no early stopping. */
function soakRun(run: PlannedRun, steps: number): PlannedRun['experiment'] {
  const exp = run.experiment;
  return { ...exp, train: { ...exp.train, maxSteps: steps, epochs: TRAIN_LIMITS.epochs, patience: 0 } };
}
