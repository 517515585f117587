/**
 * npx tsx scripts/twins/import-check.ts --zip run.zip --data F.csv
 *
 * What the page does with an imported zip (src/workers/train.worker.ts, evaluate mode), in Node: read the zip, encode
 * the file with the zip's mapping, build the zip's model, load its weights (every name, shape and the schema checked)
 * and evaluate the test split. Prints the report as one JSON line; the PyTorch twins' tests run it on zips they write.
 */
import { readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-wasm';
import { loadDataset } from '../../src/engine/data/load';
import { dataShapeOf } from '../../src/engine/data/types';
import { importRunZip, loadWeightsInto } from '../../src/engine/io/modelZip';
import { activateBackend } from '../../src/engine/kernels/backend';
import { buildContext } from '../../src/engine/models/types';
import { buildModel } from '../../src/engine/models/registry';
import { evaluate } from '../../src/engine/train/evaluate';
import { Rng } from '../../src/engine/util/rng';

function arg(name: string): string {
  const at = process.argv.indexOf(name);
  const v = at < 0 ? undefined : process.argv[at + 1];
  if (!v)
    throw new Error(`usage: tsx scripts/twins/import-check.ts --zip run.zip --data F.csv (missing ${name})`);
  return v;
}

async function main(): Promise<void> {
  const formulation = await activateBackend('wasm');
  if (!formulation) throw new Error('the wasm backend did not start');
  const run = importRunZip(new Uint8Array(readFileSync(arg('--zip'))));
  const experiment = run.experiment;
  const data = arg('--data');
  const dataset = await loadDataset(new Uint8Array(readFileSync(data)), experiment.data, { name: data });
  const { model } = buildModel(
    experiment.model.id,
    experiment.model.options,
    buildContext(dataShapeOf(dataset.schema), experiment.train, new Rng(experiment.train.seed), formulation),
  );
  loadWeightsInto(model, run.weights, dataset.schema, run.schema, {
    zip: experiment.model,
    built: experiment.model,
  });
  const test = await evaluate(
    model,
    dataset,
    dataset.splits.test,
    experiment.train.batchSize,
    new Rng(experiment.train.seed),
    'test',
  );
  if (model.inspect) test.inspect = await model.inspect();
  console.log(JSON.stringify({ environment: run.environment, test }));
  model.params.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
