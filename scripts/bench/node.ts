import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import '@tensorflow/tfjs-backend-wasm';
import type { PlannedRun } from '../../src/engine/experiment';
import { backendCapacity, budgetProblem } from '../../src/engine/budget';
import { loadDataset } from '../../src/engine/data/load';
import { dataShapeOf } from '../../src/engine/data/types';
import { activateBackend } from '../../src/engine/kernels/backend';
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import { Trainer } from '../../src/engine/train/trainer';
import { Rng } from '../../src/engine/util/rng';
import { BenchRecorder } from './summary';

/** Trains in this Node process on the cpu (or wasm) backend and prints the JSON lines. */
export async function runInNode(
  run: PlannedRun,
  dataPath: string,
  backend: string,
): Promise<Record<string, unknown>> {
  const exp = run.experiment;
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
  const trainer = new Trainer({ model, dataset, config: exp.train, onEvent: (e) => recorder.onEvent(e) });
  const done = await trainer.run();
  const kernels = await trainer.kernelsPerStep();
  const summary = recorder.summary(done, kernels, initial.gates);
  console.log(JSON.stringify(summary));
  trainer.dispose();
  model.params.dispose();
  return summary;
}
