import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchAssembler } from '../data/batches';
import { dataShapeOf, type DatasetSchema, type EncodedDataset } from '../data/types';
import type { Experiment } from '../experiment';
import { modelInfo, resolveOptions } from '../models/catalog';
import type { MomeModel } from '../models/mome';
import { buildModel } from '../models/registry';
import { buildContext, type Model } from '../models/types';
import { PER_MEMBER, tinyTwoDomains } from '../testing/models';
import { useCpu } from '../testing/tf';
import { disposeBatch, toTensors } from '../train/batchTensors';
import { DEFAULT_TRAIN } from '../train/config';
import { evaluate } from '../train/evaluate';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import {
  exportRunZip,
  importRunZip,
  loadWeightsInto,
  RUN_FILES,
  runMetricsOf,
  type RunEnvironment,
  type RunMetrics,
} from './modelZip';
import { zipEntries } from './zipEntries';

const ENV: RunEnvironment = {
  backend: 'cpu',
  adapter: null,
  userAgent: 'vitest',
  tfjs: tf.version.tfjs,
  app: '0.0.0-test',
  seed: 1,
  date: '2025-01-01T00:00:00.000Z',
};

let ds: EncodedDataset;

function experimentFor(id: string, options: Record<string, unknown>): Experiment {
  return {
    data: {
      dataset: 'tiny-two-domains',
      domain: ds.schema.domainColumn,
      tasks: ds.schema.tasks.map((t) => ({ ...t })),
    },
    model: { id, options },
    train: {
      ...DEFAULT_TRAIN,
      embeddingDim: 4,
      batchSize: 32,
      learningRate: 0.01,
      epochs: 1,
      maxSteps: 6,
      liveEvalRows: 64,
    },
  };
}

function build(exp: Experiment, schema: DatasetSchema = ds.schema, seed = 2): Model {
  return buildModel(
    exp.model.id,
    exp.model.options,
    buildContext(dataShapeOf(schema), exp.train, new Rng(seed), PER_MEMBER),
  ).model;
}

async function trainAndExport(
  exp: Experiment,
): Promise<{ model: Model; zip: Uint8Array; metrics: RunMetrics }> {
  const model = build(exp);
  const trainer = new Trainer({ model, dataset: ds, config: exp.train, onEvent: () => {} });
  const done = await trainer.run();
  trainer.dispose();
  const valid = await evaluate(model, ds, ds.splits.valid, exp.train.batchSize, new Rng(1), 'valid');
  const metrics = runMetricsOf(done, valid);
  const zip = await exportRunZip({
    experiment: exp,
    schema: ds.schema,
    params: model.params,
    metrics,
    environment: ENV,
  });
  return { model, zip, metrics };
}

/** Logits of the first 32 test rows in evaluation mode. */
async function logits(model: Model): Promise<Float32Array> {
  const a = new BatchAssembler(ds, 32);
  a.fill(ds.splits.test, 0);
  const b = toTensors(a, ds.schema.domains.length);
  const out = tf.tidy(() => model.forward(b.batch, 'eval', new Rng(1)).logits);
  disposeBatch(b);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

function rezip(zip: Uint8Array, changes: Record<string, Uint8Array | string | null>): Uint8Array {
  const files: Record<string, Uint8Array> = unzipSync(zip);
  for (const [name, v] of Object.entries(changes)) {
    if (v === null) delete files[name];
    else files[name] = typeof v === 'string' ? strToU8(v) : v;
  }
  return zipSync(files);
}

function modelJsonOf(zip: Uint8Array): {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
} & Record<string, unknown> {
  return JSON.parse(strFromU8(unzipSync(zip)[RUN_FILES.model]));
}

function importError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect((e as Error).name).toBe('ImportError');
    return (e as Error).message;
  }
  throw new Error('expected an ImportError');
}

const MMOE = { experts: 3, expertLayers: [8], towerLayers: [4] };
let exp: Experiment;
let trained: { model: Model; zip: Uint8Array; metrics: RunMetrics };

beforeAll(async () => {
  await useCpu();
  ds = tinyTwoDomains(1200);
  exp = experimentFor('mmoe', MMOE);
  trained = await trainAndExport(exp);
});

describe('exportRunZip', () => {
  it('writes the documented files: a tfjs weights manifest, float32 weights in its order, config, schema, metrics, environment', () => {
    const files = unzipSync(trained.zip);
    expect(Object.keys(files).sort()).toEqual(Object.values(RUN_FILES).sort());
    const modelJson = modelJsonOf(trained.zip);
    expect(modelJson).toMatchObject({ format: 'moe-playground', convertedBy: null, modelTopology: null });
    expect(modelJson.weightsManifest).toHaveLength(1);
    const [group] = modelJson.weightsManifest;
    expect(group.paths).toEqual(['weights.bin']);
    const entries = trained.model.params.entries();
    expect(group.weights).toEqual(entries.map(([name, v]) => ({ name, shape: v.shape, dtype: 'float32' })));
    expect(files['weights.bin'].byteLength).toBe(trained.model.params.count() * 4);
    // The first weight's first value, read as little-endian float32 from the start of weights.bin.
    const first = entries[0][1].dataSync()[0];
    expect(
      new DataView(files['weights.bin'].buffer, files['weights.bin'].byteOffset).getFloat32(0, true),
    ).toBe(first);
    const config = JSON.parse(strFromU8(files['config.json']));
    expect(config.model).toEqual({ id: 'mmoe', options: resolveOptions('mmoe', MMOE) });
    expect(JSON.parse(strFromU8(files['environment.json']))).toEqual(ENV);
  });

  it('writes metrics.csv as one row per split × domain × task', () => {
    const lines = strFromU8(unzipSync(trained.zip)['metrics.csv']).trim().split('\n');
    expect(lines[0]).toBe('split,domain,task,rows,positives,auc,logloss');
    expect(lines).toHaveLength(1 + 2 * ds.schema.domains.length * ds.schema.tasks.length);
    const cell = trained.metrics.test.byCell[1][0];
    expect(lines).toContain(
      [
        'test',
        ds.schema.domains[1],
        ds.schema.tasks[0].name,
        cell.rows,
        cell.positives,
        cell.auc,
        cell.logloss,
      ].join(','),
    );
  });
});

describe('importRunZip + loadWeightsInto', () => {
  it('gives a freshly built model bit-identical logits', async () => {
    const run = importRunZip(trained.zip);
    expect(run.experiment).toEqual({ ...exp, model: { id: 'mmoe', options: resolveOptions('mmoe', MMOE) } });
    expect(run.schema).toEqual(ds.schema);
    expect(run.metrics).toEqual(JSON.parse(JSON.stringify(trained.metrics)));
    // It says which weights its test metrics come from, and keeps the trainer's warnings.
    expect(run.metrics?.weightsFrom?.kind).toMatch(/^(best|last)$/);
    expect(run.metrics?.flags).toEqual(expect.any(Array));
    expect(run.environment).toEqual(ENV);
    const fresh = build(run.experiment, ds.schema, 99);
    const expected = await logits(trained.model);
    expect(await logits(fresh)).not.toEqual(expected);
    loadWeightsInto(fresh, run.weights, ds.schema, run.schema, {
      zip: run.experiment.model,
      built: run.experiment.model,
    });
    expect(await logits(fresh)).toEqual(expected);
  });

  it('evaluates on the dataset exactly as the exported model does', async () => {
    const run = importRunZip(trained.zip);
    const fresh = build(run.experiment, ds.schema, 99);
    loadWeightsInto(fresh, run.weights, ds.schema, run.schema);
    const ours = await evaluate(fresh, ds, ds.splits.test, 32, new Rng(1), 'test');
    const theirs = await evaluate(trained.model, ds, ds.splits.test, 32, new Rng(1), 'test');
    expect(ours.byCell).toEqual(theirs.byCell);
  });

  it('trains further from the loaded weights, not from a new initialisation', async () => {
    // Two trainers with one config see the same batches: equal losses step by step mean equal starting weights.
    const losses = async (model: Model) => {
      const out: number[] = [];
      const config = { ...exp.train, maxSteps: 3 };
      const trainer = new Trainer({
        model,
        dataset: ds,
        config,
        onEvent: (e) => e.type === 'progress' && out.push(e.loss),
      });
      await trainer.run();
      trainer.dispose();
      return out;
    };
    const run = importRunZip(trained.zip);
    const loaded = build(run.experiment, ds.schema, 99);
    loadWeightsInto(loaded, run.weights, ds.schema, run.schema);
    const fromZip = await losses(loaded);
    expect(fromZip).toHaveLength(3);
    // The exported model itself, trained on: the last test to use it, since this changes its weights.
    expect(fromZip).toEqual(await losses(trained.model));
    expect(await losses(build(run.experiment, ds.schema, 99))).not.toEqual(fromZip);
  });

  it('restores a MoME exported after its phase switch (its variables exist only after the switch)', async () => {
    const moExp = experimentFor('mome', { experts: 2, expertLayers: [8], towerLayers: [4] });
    const mome = build(moExp) as MomeModel;
    mome.switchPhase();
    const zip = await exportRunZip({
      experiment: moExp,
      schema: ds.schema,
      params: mome.params,
      metrics: trained.metrics,
      environment: ENV,
    });
    const run = importRunZip(zip);
    const fresh = build(run.experiment, ds.schema, 99) as MomeModel;
    loadWeightsInto(fresh, run.weights, ds.schema, run.schema);
    expect(fresh.phase).toBe(1);
    expect(await logits(fresh)).toEqual(await logits(mome));
  });
});

describe('importRunZip refuses a file that is not a whole run', () => {
  it('random bytes: not a zip', () => {
    const bytes = new Rng(5).fillUniform(new Float32Array(64), 0, 1);
    expect(importError(() => importRunZip(new Uint8Array(bytes.buffer)))).toMatch(
      /^this file is not a zip archive/,
    );
  });

  it('a zip header followed by garbage: corrupt', () => {
    const bytes = new Uint8Array(200).fill(7);
    bytes.set([0x50, 0x4b, 3, 4]);
    expect(importError(() => importRunZip(bytes))).toMatch(/^the zip archive is corrupt/);
  });

  it('a missing file, named', () => {
    expect(importError(() => importRunZip(rezip(trained.zip, { 'model.json': null })))).toBe(
      'the zip has no model.json: it is not a run exported by this playground',
    );
    expect(importError(() => importRunZip(rezip(trained.zip, { 'weights.bin': null })))).toBe(
      'the zip has no weights.bin (model.json stores weights in it)',
    );
    expect(importError(() => importRunZip(rezip(trained.zip, { 'schema.json': null })))).toMatch(
      /^the zip has no schema.json/,
    );
  });

  it('weights.bin shorter or longer than the manifest says', () => {
    const bin = unzipSync(trained.zip)['weights.bin'];
    const n = bin.byteLength;
    expect(importError(() => importRunZip(rezip(trained.zip, { 'weights.bin': bin.slice(0, n - 4) })))).toBe(
      `weights.bin is truncated: model.json lists ${n} bytes of float32 weights, the file has ${n - 4}`,
    );
    const longer = new Uint8Array(n + 8);
    longer.set(bin);
    expect(importError(() => importRunZip(rezip(trained.zip, { 'weights.bin': longer })))).toMatch(
      `weights.bin has ${n + 8} bytes but model.json lists ${n}`,
    );
  });

  it('a model.json that is not our weights manifest, or holds a non-float32 weight', () => {
    const modelJson = modelJsonOf(trained.zip);
    expect(
      importError(() =>
        importRunZip(
          rezip(trained.zip, { 'model.json': JSON.stringify({ ...modelJson, format: 'layers-model' }) }),
        ),
      ),
    ).toMatch(/model.json has format "layers-model", not "moe-playground"/);
    expect(
      importError(() =>
        importRunZip(
          rezip(trained.zip, { 'model.json': JSON.stringify({ ...modelJson, weightsManifest: undefined }) }),
        ),
      ),
    ).toMatch(/model.json has no "weightsManifest"/);
    const int32 = structuredClone(modelJson);
    int32.weightsManifest[0].weights[1].dtype = 'int32';
    const name = int32.weightsManifest[0].weights[1].name;
    expect(importError(() => importRunZip(rezip(trained.zip, { 'model.json': JSON.stringify(int32) })))).toBe(
      `model.json: weight "${name}" has dtype int32: only float32 weights can be imported`,
    );
  });

  it('JSON that does not parse, naming the file; a config that is not an experiment', () => {
    expect(importError(() => importRunZip(rezip(trained.zip, { 'config.json': '{"data": ' })))).toMatch(
      /^config.json is not valid JSON/,
    );
    expect(importError(() => importRunZip(rezip(trained.zip, { 'metrics.json': 'nope' })))).toMatch(
      /^metrics.json is not valid JSON/,
    );
    expect(
      importError(() =>
        importRunZip(rezip(trained.zip, { 'config.json': JSON.stringify({ ...exp, train: { epochs: 0 } }) })),
      ),
    ).toBe('config.json is not a valid experiment: train.epochs must be at least 1');
    expect(
      importError(() =>
        importRunZip(rezip(trained.zip, { 'schema.json': JSON.stringify({ ...ds.schema, domains: 'x' }) })),
      ),
    ).toBe('schema.json: domains must be a non-empty list of names');
  });
});

/** The zip with the uncompressed size `name` declares (central directory and local header) set to `bytes`. */
function declareSize(zip: Uint8Array, name: string, bytes: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const entry = zipEntries(out).get(name);
  if (!entry) throw new Error(`no ${name} in the zip`);
  view.setUint32(entry.headerOffset + 22, bytes, true);
  for (let at = 0; at + 46 < out.length; at++) {
    const isDirectoryEntry = view.getUint32(at, true) === 0x02014b50;
    if (
      isDirectoryEntry &&
      strFromU8(out.subarray(at + 46, at + 46 + view.getUint16(at + 28, true))) === name
    )
      view.setUint32(at + 24, bytes, true);
  }
  return out;
}

describe('importRunZip refuses a crafted zip before it costs memory or time', () => {
  it('a weights.bin declaring 1,000 MiB: refused by its declared size, nothing inflated', () => {
    const listed = unzipSync(trained.zip)['weights.bin'].byteLength;
    const bomb = declareSize(trained.zip, 'weights.bin', 1000 * 2 ** 20);
    expect(importError(() => importRunZip(bomb))).toBe(
      `weights.bin has 1048576000 bytes but model.json lists ${listed}: the weights do not belong to this model.json`,
    );
  });

  it('a model.json listing more weights than the model its config.json describes: refused before any is read', () => {
    const modelJson = modelJsonOf(trained.zip);
    modelJson.weightsManifest[0].weights.push({ name: 'huge', shape: [262_144_000], dtype: 'float32' });
    const listed = modelJson.weightsManifest[0].weights.reduce(
      (n, w) => n + w.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const bomb = declareSize(
      rezip(trained.zip, { 'model.json': JSON.stringify(modelJson) }),
      'weights.bin',
      listed * 4,
    );
    expect(importError(() => importRunZip(bomb))).toBe(
      `model.json lists ${listed} weight values, more than the ${trained.model.params.count()} of the MMoE model config.json describes on schema.json's data: the files do not belong together`,
    );
  });

  it('an entry holding more than it declares: inflation stops at the declaration', () => {
    // 64 MiB of zeros deflate to ~64 KB; the entry claims the 4 bytes of a number.
    const zip = zipSync({
      ...unzipSync(trained.zip),
      'environment.json': [new Uint8Array(64 << 20), { level: 9 }],
    });
    const lying = declareSize(zip, 'environment.json', 4);
    expect(importError(() => importRunZip(lying))).toBe(
      'the zip archive is corrupt (environment.json holds more bytes, not the 4 it declares): download the run again',
    );
  });

  it('JSON files declaring more than they may be', () => {
    const big = declareSize(trained.zip, 'config.json', 2 << 20);
    expect(importError(() => importRunZip(big))).toBe(
      'config.json declares 2 MiB, more than the 1 MiB it may be',
    );
  });

  it('weights holding NaN or Infinity, naming the weight', () => {
    const bin = unzipSync(trained.zip)['weights.bin'].slice();
    const values = new Float32Array(bin.buffer);
    const manifest = modelJsonOf(trained.zip).weightsManifest[0].weights;
    values[1] = Number.NaN;
    values[5] = Number.POSITIVE_INFINITY;
    expect(importError(() => importRunZip(rezip(trained.zip, { 'weights.bin': bin })))).toBe(
      `weight "${manifest[0].name}" holds 2 non-finite values (NaN or ±Infinity; the first at index 1): the run had diverged when it was exported`,
    );
  });

  it('a config asking for what no run may use, checked like a plan', () => {
    const config = (train: Record<string, number>) =>
      rezip(trained.zip, { 'config.json': JSON.stringify({ ...exp, train: { ...exp.train, ...train } }) });
    expect(importError(() => importRunZip(config({ epochs: 1e12 })))).toBe(
      'config.json is not a valid experiment: train.epochs is 1000000000000, more than the 10000 a run may use',
    );
    expect(importError(() => importRunZip(config({ batchSize: 1e9 })))).toMatch(
      /^config.json is not a valid experiment: train.batchSize is 1000000000/,
    );
  });
});

describe('loadWeightsInto refuses what does not fit, and assigns nothing then', () => {
  const schemaWith = (change: (s: DatasetSchema) => void): DatasetSchema => {
    const s = structuredClone(ds.schema);
    change(s);
    return s;
  };

  it('an extra weight in the zip', () => {
    // importRunZip refuses more weight values than the model holds: the extra weight joins what it read.
    const run = importRunZip(trained.zip);
    run.weights.set('extra.w', { shape: [2], data: new Float32Array(2) });
    expect(importError(() => loadWeightsInto(build(exp), run.weights, ds.schema, run.schema))).toBe(
      `the zip's weights are not this model's: the zip has 1 weight the model built does not ("extra.w")`,
    );
  });

  it('another model: names both', () => {
    const run = importRunZip(trained.zip);
    const other = experimentFor('cesaa', {});
    expect(
      importError(() =>
        loadWeightsInto(build(other), run.weights, ds.schema, run.schema, {
          zip: run.experiment.model,
          built: other.model,
        }),
      ),
    ).toBe(
      `the zip holds a ${modelInfo('mmoe').name} ("mmoe") model but the model built is ${modelInfo('cesaa').name} ("cesaa"): build the zip's model to load its weights`,
    );
    // Without the configurations the names still tell the models apart.
    expect(importError(() => loadWeightsInto(build(other), run.weights, ds.schema, run.schema))).toMatch(
      /^the zip's weights are not this model's: the model built has \d+ weights the zip lacks .* and the zip has \d+ weights the model built does not/,
    );
  });

  it('other options of the same model: the shape at fault and the option', () => {
    const run = importRunZip(trained.zip);
    const wider = experimentFor('mmoe', { ...MMOE, expertLayers: [16] });
    const message = importError(() =>
      loadWeightsInto(build(wider), run.weights, ds.schema, run.schema, {
        zip: run.experiment.model,
        built: wider.model,
      }),
    );
    expect(message).toMatch(
      /^weight "[^"]+": the model built expects shape \[[\d, ]+\], the zip has \[[\d, ]+\]/,
    );
    expect(message).toContain('(the model options differ: expertLayers: [8] in the zip, [16] built)');
  });

  it('a dataset whose vocabulary size differs: both sizes and the field', () => {
    const run = importRunZip(trained.zip);
    const c1 = ds.schema.categorical[0];
    const bigger = schemaWith((s) => {
      s.categorical[0].vocab.push('new value');
      s.categorical[0].size++;
      s.categorical.slice(1).forEach((f) => f.offset++);
      s.vocabSize++;
    });
    expect(importError(() => loadWeightsInto(build(exp, bigger), run.weights, bigger, run.schema))).toBe(
      `this dataset does not fit the imported model: the embedding table has ${ds.schema.vocabSize} rows in the model and ${ds.schema.vocabSize + 1} for this dataset: the vocabularies of "${c1.column}" (${c1.vocab.length} values in the model, ${c1.vocab.length + 1} values here) differ`,
    );
  });

  it('a dataset with another number of domains or tasks', () => {
    const run = importRunZip(trained.zip);
    const [d0, d1] = ds.schema.domains;
    const threeDomains = schemaWith((s) => s.domains.push('tv'));
    expect(
      importError(() => loadWeightsInto(build(exp, threeDomains), run.weights, threeDomains, run.schema)),
    ).toBe(
      `this dataset does not fit the imported model: the model was trained on 2 domains (${d0}, ${d1}); this dataset has 3 (${d0}, ${d1}, tv)`,
    );
    const oneTask = schemaWith((s) => s.tasks.pop());
    expect(importError(() => loadWeightsInto(build(exp, oneTask), run.weights, oneTask, run.schema))).toMatch(
      /the model was trained on 2 tasks \(click, convert\); this dataset has 1 \(click\)/,
    );
  });

  it('same sizes but another vocabulary order or scaling: would mis-score, so refused, and nothing assigned', async () => {
    const run = importRunZip(trained.zip);
    const c1 = ds.schema.categorical[0];
    const reordered = schemaWith((s) => s.categorical[0].vocab.reverse());
    const target = build(exp, reordered, 99);
    const before = await logits(target);
    expect(importError(() => loadWeightsInto(target, run.weights, reordered, run.schema))).toMatch(
      new RegExp(
        `^this dataset is encoded differently from the one the model was trained on, so its rows would be scored wrongly: the values of "${c1.column}" are in a different order`,
      ),
    );
    expect(await logits(target)).toEqual(before);
    const n1 = ds.schema.numeric[0];
    const rescaled = schemaWith((s) => (s.numeric[0].std *= 2));
    expect(
      importError(() => loadWeightsInto(build(exp, rescaled), run.weights, rescaled, run.schema)),
    ).toContain(
      `the scaling of "${n1.column}" differs (model: mean ${n1.mean}, std ${n1.std}; here: mean ${n1.mean}, std ${n1.std * 2})`,
    );
    const renamed = schemaWith((s) => (s.domains[1] = 'tv'));
    expect(
      importError(() => loadWeightsInto(build(exp, renamed), run.weights, renamed, run.schema)),
    ).toContain(`the domains differ (domain 2 is "${ds.schema.domains[1]}" in the model, "tv" here)`);
  });
});
