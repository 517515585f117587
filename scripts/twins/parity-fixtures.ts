/**
 * npx tsx scripts/twins/parity-fixtures.ts --out DIR
 *
 * What the PyTorch twins' tests (python/tests) check against, made by this engine:
 * - data.csv: a messy file (quoted commas and newlines, CRLF, a ragged row, blank cells, missing-value markers in
 *   features and labels, hex and exponent numbers, unicode, rare and blank domains, values only seen outside train)
 *   and two mappings of it, each encoded here: schema.json plus the encoded arrays, to compare encoded rows, and
 *   meta.json with what the encoder counted (missing, unparseable, case mismatches) and Check data's notes;
 * - refusals/*.csv: small files the page refuses (with their mappings and the engine's error), one reason each;
 * - runs/*.zip: every preset of every model plus configurations that cover each remaining option value and each
 *   model-input setting (train.domainInput, train.embeddingInit), each trained a few steps (so weights, moving
 *   averages, MoME's masks and M3oE's structure weights move), exported with the test split's logits;
 * - init/*.zip: each model untrained, under the default input settings and under the others, to compare the initial
 *   weights a seed gives.
 * index.json lists them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { version as APP_VERSION } from '../../package.json';
import { parseCsv } from '../../src/engine/data/csv';
import { dataReport } from '../../src/engine/data/checks';
import { encodeDataset } from '../../src/engine/data/encode';
import { loadDataset } from '../../src/engine/data/load';
import { DataError, dataShapeOf, type DataMapping, type EncodedDataset } from '../../src/engine/data/types';
import type { Experiment } from '../../src/engine/experiment';
import { exportRunZip, runMetricsOf, type RunMetrics } from '../../src/engine/io/modelZip';
import { activateBackend } from '../../src/engine/kernels/backend';
import { MODEL_CATALOG, type ModelOptions } from '../../src/engine/models/catalog';
import { buildContext } from '../../src/engine/models/types';
import { buildModel } from '../../src/engine/models/registry';
import type { Formulation } from '../../src/engine/models/experts';
import { DEFAULT_TRAIN, type TrainConfig } from '../../src/engine/train/config';
import { evaluate } from '../../src/engine/train/evaluate';
import { Trainer } from '../../src/engine/train/trainer';
import { Rng } from '../../src/engine/util/rng';
import { withReference } from './reference';

const ROWS = 2400;

function pick<T>(rng: Rng, items: readonly T[], weights?: readonly number[]): T {
  if (!weights) return items[rng.int(items.length)];
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) if ((u -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
}

function quoted(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The fixture file: every row's cells, then the quirks a reader must survive, with CRLF on some lines. */
export function fixtureCsv(): string {
  const rng = new Rng(11);
  const header = ['region', 'age', 'city', 'device', 'user_id', 'price', 'count', 'click', 'buy', 'score'];
  const regions = ['north', 'south', 'east', 'west', ' north ', 'tiny1', 'tiny2', ''];
  const regionWeights = [34, 30, 20, 12, 2, 0.6, 0.6, 0.4];
  const cities = ['Paris, FR', 'São Paulo', '東京', 'x"y', '2', '10', '1a', '', 'New\nYork', 'Lyon', 'Oslo'];
  const prices = ['NA', '', '?', '1e3', ' 5 ', '0x10', 'null', 'n/a'];
  const lines = [header.join(',')];
  for (let r = 0; r < ROWS; r++) {
    const region = pick(rng, regions, regionWeights);
    const signal = (region.trim() === 'north' ? 0.8 : region === 'east' ? -0.5 : 0) + rng.normal();
    const city = rng.next() < 0.03 ? `rare-${r}` : pick(rng, cities);
    const user =
      rng.next() < 0.05 ? '' : `u${Math.floor(Math.exp(rng.next() * 7))}${rng.next() < 0.1 ? 'ü😀' : ''}`;
    const price = rng.next() < 0.08 ? pick(rng, prices) : (10 + 5 * rng.normal() + 3 * signal).toFixed(3);
    const label = (bias: number) => (signal + 0.7 * rng.normal() > bias ? 1 : 0);
    const cells = [
      region,
      rng.next() < 0.02 ? 'NA' : String(10 + rng.int(61)),
      city,
      pick(rng, ['ios', 'android', 'web', ' web ']),
      user,
      price,
      String(rng.int(21)),
      // Missing-value markers in a label column: read by the task rule as the engine reads them (a moving target).
      rng.next() < 0.03 ? '' : rng.next() < 0.02 ? pick(rng, ['NA', 'null', '?']) : String(label(0.6)),
      // A few "Yes" beside "yes": the rule's case-only mismatch, a warning with counts.
      rng.next() < 0.04 ? '' : label(1.2) ? (rng.next() < 0.05 ? 'Yes' : 'yes') : 'no',
      rng.next() < 0.03 ? '' : String(1 + Math.min(4, Math.max(0, Math.round(2 + signal + rng.normal())))),
    ];
    lines.push(cells.map(quoted).join(','));
    if (r === 100) lines.push('north,30,Lyon,web,u1,1.0,3,1,yes,4,extra');
    if (r === 200) lines.push('');
  }
  return lines.map((l, i) => (i % 7 === 3 ? `${l}\r\n` : `${l}\n`)).join('');
}

const TASKS = [
  { name: 'click', column: 'click', rule: '== 1' },
  { name: 'buy', column: 'buy', rule: 'in {yes, y}' },
  { name: 'high score', column: 'score', rule: '> 3' },
];

/** The mapping the models train on: rare regions merged, a hashed id, a seeded split of chosen ratios. */
export const MODEL_MAPPING: DataMapping = {
  path: 'data.csv',
  domain: 'region',
  domainGroups: { minRows: 40 },
  tasks: TASKS,
  numeric: ['price', 'count', 'age'],
  categorical: ['city', 'device'],
  hashed: [{ column: 'user_id', buckets: 97 }],
  splitRatios: [0.7, 0.15, 0.15],
  splitSeed: 5,
};

/** A second mapping for the encoding check only: numeric domain ranges, every unnamed column categorical, the default split. */
const BINNED_MAPPING: DataMapping = {
  path: 'data.csv',
  domain: 'age',
  domainGroups: { bins: [18, 25, 40.5] },
  tasks: [TASKS[0]],
  numeric: ['price'],
};

const TRAIN: TrainConfig = {
  ...DEFAULT_TRAIN,
  epochs: 1,
  batchSize: 64,
  learningRate: 0.05,
  seed: 3,
  embeddingDim: 4,
  patience: 0,
  liveEvalRows: 64,
  maxSteps: 12,
};

interface Config {
  name: string;
  id: string;
  options: ModelOptions;
  /** Training settings besides TRAIN's (the model-input ones). */
  train?: Partial<TrainConfig>;
}

/**
 * The model-input settings away from their defaults (U(−0.05, 0.05), domain field on): nn.Embedding's N(0, 1), no
 * domain field. Spelled out, so that the runs keep covering both initialisations when a default changes.
 */
const OTHER_INPUT: Partial<TrainConfig> = {
  embeddingInit: 'normal',
  embeddingInitScale: 1,
  domainInput: false,
};
const NORMAL_INIT: Partial<TrainConfig> = { embeddingInit: 'normal', embeddingInitScale: 1 };

/** Configurations beyond the presets, so that every choice and switch of the registry is exported at least once. */
const EXTRAS: Config[] = [
  {
    name: 'no tower hidden layer, N(0, 1) embeddings, no domain field',
    id: 'shared-bottom',
    options: { towerLayers: [] },
    train: OTHER_INPUT,
  },
  {
    name: 'two-layer experts, N(0, 1e-4) embeddings',
    id: 'mmoe',
    options: { expertLayers: [32, 16], towerLayers: [8] },
    train: { embeddingInit: 'normal', embeddingInitScale: 1e-4 },
  },
  {
    name: '3 levels',
    id: 'ple',
    options: { levels: 3, specificExperts: 1, sharedExperts: 2, expertLayers: [16, 8] },
  },
  {
    name: 'per cell, no shared experts',
    id: 'ple',
    options: { levels: 2, specificPer: 'cell', sharedExperts: 0, expertLayers: [16] },
  },
  {
    name: 'scenario layers only, N(0, 1) indicators, no domain field',
    id: 'aesm2',
    options: { scenarioLayers: 2, taskLayers: 0, kSh: 0, scenarioExpertLayers: [16, 8] },
    train: OTHER_INPUT,
  },
  {
    name: 'task layers only, dropout, BatchNorm',
    id: 'aesm2',
    options: {
      scenarioLayers: 0,
      taskLayers: 2,
      batchNorm: true,
      dropout: 0.2,
      taskExpertLayers: [16, 8],
      shareTaskLayers: false,
    },
  },
  {
    name: 'no aux hidden layer, N(0, 1) aux table',
    id: 'star',
    options: { starLayers: [16], auxLayers: [], auxNet: 'domain', partitionedNorm: 'all' },
    train: NORMAL_INIT,
  },
  {
    name: 'gates see gradients, no domain field',
    id: 'm3oe',
    options: {
      experts: 2,
      slotDim: 32,
      bottomDim: 16,
      expertLayers: [16, 8],
      towerHidden: 8,
      gateStopGradient: false,
      archEvery: 3,
    },
    train: { domainInput: false },
  },
  {
    name: 'N(0, 1) gate table, no domain field',
    id: 'cesaa',
    options: { specificExperts: 4, topK: 2 },
    train: OTHER_INPUT,
  },
  {
    name: 'phase A',
    id: 'mome',
    options: { experts: 4, expertLayers: [32, 16], towerLayers: [8], switchAt: 1, switchUnit: 'epochs' },
  },
  {
    name: 'phase B, binary masks',
    id: 'mome',
    options: {
      experts: 4,
      expertLayers: [32, 16],
      towerLayers: [],
      switchAt: 4,
      switchUnit: 'steps',
      thresholdMasks: true,
    },
  },
];

/** Every preset; MoME's presets switch to phase B within the short run so that its masks are exported. */
function configs(): Config[] {
  const presets = MODEL_CATALOG.flatMap((m) =>
    m.presets.map((p) => ({
      name: p.name,
      id: m.id,
      options: m.id === 'mome' ? { ...p.options, switchAt: 4, switchUnit: 'steps' } : { ...p.options },
    })),
  );
  return [...presets, ...EXTRAS];
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** schema.json and the encoded arrays of one mapping, as little-endian binaries the tests read with numpy. */
function writeEncoding(dir: string, ds: EncodedDataset): void {
  mkdirSync(dir, { recursive: true });
  const split = new Uint8Array(ds.numRows);
  ds.splits.valid.forEach((r) => (split[r] = 1));
  ds.splits.test.forEach((r) => (split[r] = 2));
  const files: Record<string, ArrayBufferView> = {
    cat: ds.cat,
    num: ds.num,
    domain: ds.domain,
    labels: ds.labels,
    label_mask: ds.labelMask,
    split,
  };
  for (const [name, a] of Object.entries(files))
    writeFileSync(path.join(dir, `${name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(ds.schema, null, 2));
  const notes = dataReport(ds).issues.map((i) => `${i.level}: ${i.message}`);
  const { numRows: rows, skipped, missing, unparseable, caseMismatches } = ds;
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({ rows, skipped, missing, unparseable, caseMismatches, notes }, null, 2),
  );
}

/** Makes a small file whose label column holds `label(i)` in row i (numbers in x, two domains). */
function smallCsv(rows: number, label: (i: number) => string, x: (i: number) => string = String): string {
  const lines = ['d,x,y'];
  for (let i = 0; i < rows; i++) lines.push(`${'ab'[i % 2]},${x(i)},${label(i)}`);
  return `${lines.join('\n')}\n`;
}

const SMALL_MAPPING: DataMapping = {
  path: 'small.csv',
  domain: 'd',
  tasks: [{ name: 'y', column: 'y', rule: '== 1' }],
  numeric: ['x'],
};
const withRule = (rule: string): DataMapping => ({
  ...SMALL_MAPPING,
  tasks: [{ name: 'y', column: 'y', rule }],
});

/** Files and mappings the page refuses, one reason each: the twins must refuse them naming the same row and column. */
const REFUSALS: { name: string; csv: string; mapping: DataMapping }[] = [
  {
    name: 'unclosed-quote',
    csv: smallCsv(
      40,
      (i) => String(i % 2),
      (i) => (i === 25 ? '"7\n' : String(i)),
    ),
    mapping: SMALL_MAPPING,
  },
  { name: 'rule-case-only', csv: smallCsv(40, (i) => (i % 3 ? 'No' : 'Yes')), mapping: withRule('== yes') },
  { name: 'rule-names-a-marker', csv: smallCsv(40, (i) => String(i % 2)), mapping: withRule('in {1, NA}') },
  {
    name: 'label-not-decimal',
    csv: smallCsv(40, (i) => (i === 30 ? '0x1' : String(i % 2))),
    mapping: withRule('> 0'),
  },
  {
    name: 'numbers-not-decimal',
    csv: smallCsv(
      40,
      (i) => String(i % 2),
      (i) => (i % 3 ? `"${i},5"` : String(i)),
    ),
    mapping: SMALL_MAPPING,
  },
  { name: 'no-label', csv: smallCsv(40, (i) => ['NA', '', 'null', '?'][i % 4]), mapping: SMALL_MAPPING },
];

/** Each refusal's file, with the engine's error: message, column and row (null where it names none). */
async function writeRefusals(out: string) {
  mkdirSync(path.join(out, 'refusals'), { recursive: true });
  const refusals = [];
  for (const r of REFUSALS) {
    const file = path.join('refusals', `${r.name}.csv`);
    writeFileSync(path.join(out, file), r.csv);
    const error = await loadDataset(r.csv, r.mapping, { name: `${r.name}.csv` }).then(
      () => {
        throw new Error(`the refusal fixture "${r.name}" was accepted by the engine`);
      },
      (e: unknown) => {
        if (!(e instanceof DataError)) throw e;
        return { message: e.message, column: e.column ?? null, row: e.row ?? null };
      },
    );
    refusals.push({ name: r.name, file, mapping: r.mapping, error });
  }
  return refusals;
}

async function exportRun(
  file: string,
  experiment: Experiment,
  ds: EncodedDataset,
  f: Formulation,
  train: boolean,
): Promise<void> {
  const { model } = buildModel(
    experiment.model.id,
    experiment.model.options,
    buildContext(dataShapeOf(ds.schema), experiment.train, new Rng(experiment.train.seed), f),
  );
  let metrics: RunMetrics;
  if (train) {
    const trainer = new Trainer({ model, dataset: ds, config: experiment.train, onEvent: () => undefined });
    const done = await trainer.run();
    trainer.dispose();
    metrics = runMetricsOf(done);
  } else {
    metrics = {
      test: await evaluate(model, ds, ds.splits.test, experiment.train.batchSize, new Rng(1), 'test'),
    };
  }
  const zip = await exportRunZip({
    experiment,
    schema: ds.schema,
    params: model.params,
    metrics,
    environment: {
      backend: 'wasm (node)',
      adapter: null,
      userAgent: `Node ${process.version}`,
      tfjs: tf.version.tfjs,
      app: APP_VERSION,
      seed: experiment.train.seed,
    },
  });
  writeFileSync(
    file,
    train
      ? await withReference(zip, model, ds, {
          split: 'test',
          batchSize: experiment.train.batchSize,
          backend: 'wasm (node)',
        })
      : zip,
  );
  model.params.dispose();
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  if (at < 0 || !process.argv[at + 1])
    throw new Error('usage: tsx scripts/twins/parity-fixtures.ts --out DIR');
  const out = path.resolve(process.argv[at + 1]);
  mkdirSync(path.join(out, 'runs'), { recursive: true });
  mkdirSync(path.join(out, 'init'), { recursive: true });
  const formulation = await activateBackend('wasm');
  if (!formulation) throw new Error('the wasm backend did not start');
  const csv = fixtureCsv();
  writeFileSync(path.join(out, 'data.csv'), csv);
  const table = parseCsv(csv, { name: 'data.csv' });
  const encodings = [
    { name: 'models', mapping: MODEL_MAPPING },
    { name: 'binned', mapping: BINNED_MAPPING },
  ];
  let ds: EncodedDataset | null = null;
  for (const e of encodings) {
    const encoded = encodeDataset(table, e.mapping);
    writeEncoding(path.join(out, 'encoded', e.name), encoded);
    if (e.name === 'models') ds = encoded;
  }
  if (!ds) throw new Error('no dataset for the models');
  const refusals = await writeRefusals(out);
  const runs = [];
  for (const c of configs()) {
    const zip = path.join('runs', `${c.id}--${slug(c.name)}.zip`);
    const experiment: Experiment = {
      data: MODEL_MAPPING,
      model: { id: c.id, options: c.options },
      train: { ...TRAIN, ...c.train },
    };
    await exportRun(path.join(out, zip), experiment, ds, formulation, true);
    runs.push({ ...c, zip });
  }
  const inits = [];
  for (const m of MODEL_CATALOG) {
    for (const [suffix, input] of [
      ['', {}],
      ['--other-input', OTHER_INPUT],
    ] as const) {
      const zip = path.join('init', `${m.id}${suffix}.zip`);
      await exportRun(
        path.join(out, zip),
        { data: MODEL_MAPPING, model: { id: m.id, options: {} }, train: { ...TRAIN, ...input } },
        ds,
        formulation,
        false,
      );
      inits.push({ id: m.id, zip });
    }
  }
  writeFileSync(
    path.join(out, 'index.json'),
    JSON.stringify({ data: 'data.csv', encodings, runs, inits, refusals }, null, 2),
  );
  console.log(JSON.stringify({ out, encodings: encodings.length, runs: runs.length, inits: inits.length }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
