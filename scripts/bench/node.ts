import { readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-wasm';
import type { PlannedRun } from '../../src/engine/experiment';
import { loadDataset } from '../../src/engine/data/load';
import { dataShapeOf } from '../../src/engine/data/types';
import { activateBackend } from '../../src/engine/kernels/backend';
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import { Trainer } from '../../src/engine/train/trainer';
import { buildContext } from '../../src/engine/models/types';
import { Rng } from '../../src/engine/util/rng';
import { BenchRecorder, type BenchData } from './summary';

/** Trains in this Node process on the cpu (or wasm) backend and prints the JSON lines. */
export async function runInNode(
  run: PlannedRun,
  data: BenchData,
  backend: string,
): Promise<Record<string, unknown>> {
  const exp = run.experiment;
  const formulation = await activateBackend(backend);
  if (!formulation) throw new Error(`the ${backend} backend is not available in Node (use cpu or wasm)`);
  const dataset = await loadDataset(new Uint8Array(readFileSync(data.path)), exp.data);
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
  const trainer = new Trainer({ model, dataset, config: exp.train, onEvent: (e) => recorder.onEvent(e) });
  const done = await trainer.run();
  const kernels = await trainer.kernelsPerStep();
  const summary = recorder.summary(done, kernels, initial.gates);
  console.log(JSON.stringify(summary));
  trainer.dispose();
  model.params.dispose();
  return summary;
}
