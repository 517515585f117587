import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { version as APP_VERSION } from '../../package.json';
import type { PlannedRun } from '../../src/engine/experiment';
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

/**
 * Trains in this Node process on the cpu (or wasm) backend and prints the JSON lines. `notes`: the data's
 * Check-data notes, kept in the summary. `exportTo`: also writes the run's zip in the page's format, with the test
 * split's logits for the PyTorch twins' parity check.
 */
export async function runInNode(
  run: PlannedRun,
  data: BenchData,
  backend: string,
  notes: string[],
  exportTo?: string,
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
  let valid: EvalReport | undefined;
  const trainer = new Trainer({
    model,
    dataset,
    config: exp.train,
    onEvent: (e) => {
      if (e.type === 'eval' && !e.report.partial) valid = e.report;
      recorder.onEvent(e);
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
