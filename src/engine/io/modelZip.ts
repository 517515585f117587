/**
 * A trained run as one zip:
 *   model.json        weights manifest in TensorFlow.js's format (names, shapes, dtype float32)
 *   weights.bin       the weights, little-endian float32, concatenated in manifest order
 *   config.json       the experiment: model id and resolved options, training settings, data mapping
 *   schema.json       the dataset schema: domains, tasks, vocabularies with offsets, numeric scaling
 *   metrics.json      the test (and valid) reports, epochs, steps
 *   metrics.csv       one row per split × domain × task: split,domain,task,rows,positives,auc,logloss
 *   environment.json  backend, adapter, user agent, tfjs and app versions, seed, date
 * Import reads it back and says exactly which file or entry does not fit.
 */
import type * as tf from '@tensorflow/tfjs';
import { zipSync, strFromU8, strToU8, type Zippable } from 'fflate';
import { dataShapeOf, type DatasetSchema } from '../data/types';
import { parseExperiment, type Experiment } from '../experiment';
import { MODEL_CATALOG, resolveOptions, type ModelOptions } from '../models/catalog';
import type { TrainEvent, WeightsSource } from '../train/events';
import type { EvalReport } from '../train/report';

type DoneEvent = Extract<TrainEvent, { type: 'done' }>;
import { ImportError } from './errors';
import { parseSchema } from './schema';
import { IMPORT_LIMITS, RUN_FILES } from './runFiles';
import {
  checkWeightsSize,
  decodeWeights,
  encodeWeights,
  parseModelJson,
  weightBytes,
  type Weights,
} from './weights';
import { readEntry, zipEntries, type ZipEntry } from './zipEntries';

export { loadWeightsInto } from './loadWeights';
export { IMPORT_LIMITS, RUN_FILES } from './runFiles';

/** What a run measured; the trainer's `done` event gives all but `valid` (the last full valid pass). */
export interface RunMetrics {
  test: EvalReport;
  valid?: EvalReport;
  epochs?: number;
  steps?: number;
  bestEpoch?: number;
  reason?: string;
  /** Which weights `test` scores: the best epoch's, restored, or the last step's. */
  weightsFrom?: WeightsSource;
  /** The trainer's warnings (diverging loss, chance-level cells, a possible leak), by message. */
  flags?: string[];
  /** Why a diverged run ended. */
  failure?: string;
}

/** The metrics of a trained run: its `done` event and the last full valid pass. */
export function runMetricsOf(done: DoneEvent, valid?: EvalReport): RunMetrics {
  const { test, epochs, steps, bestEpoch, reason, weightsFrom, flags, failure } = done;
  return {
    test,
    valid,
    epochs,
    steps,
    bestEpoch,
    reason,
    weightsFrom,
    flags: flags.map((f) => f.message),
    ...(failure === undefined ? {} : { failure }),
  };
}

export interface RunEnvironment {
  backend: string;
  adapter: string | null;
  userAgent: string;
  /** TensorFlow.js version. */
  tfjs: string;
  /** This app's version. */
  app: string;
  seed: number;
  /** ISO time of the export; filled in when absent. */
  date?: string;
}

export interface RunExport {
  experiment: Experiment;
  schema: DatasetSchema;
  /** The model's parameters (`model.params`): names are the manifest's weight names. */
  params: { entries(): [string, tf.Tensor][] };
  metrics: RunMetrics;
  environment: RunEnvironment;
}

export interface ImportedRun {
  experiment: Experiment;
  schema: DatasetSchema;
  weights: Weights;
  /** null where the zip carries no metrics.json / environment.json (only the model files are needed to use it). */
  metrics: RunMetrics | null;
  environment: RunEnvironment | null;
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per split × domain × task of the reports present. */
export function metricsCsv(metrics: RunMetrics, schema: DatasetSchema): string {
  const lines = ['split,domain,task,rows,positives,auc,logloss'];
  for (const report of [metrics.valid, metrics.test]) {
    if (!report) continue;
    report.byCell.forEach((tasks, d) =>
      tasks.forEach((m, t) =>
        lines.push(
          [report.split, schema.domains[d], schema.tasks[t].name, m.rows, m.positives, m.auc, m.logloss]
            .map(csvCell)
            .join(','),
        ),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

const json = (v: unknown): Uint8Array => strToU8(JSON.stringify(v, null, 2));

export async function exportRunZip(run: RunExport): Promise<Uint8Array> {
  const { modelJson, bin } = await encodeWeights(
    run.params.entries(),
    `moe-playground ${run.environment.app} (TensorFlow.js ${run.environment.tfjs})`,
  );
  const experiment: Experiment = {
    ...run.experiment,
    model: {
      id: run.experiment.model.id,
      options: resolveOptions(run.experiment.model.id, run.experiment.model.options),
    },
  };
  const files: Zippable = {
    [RUN_FILES.model]: json(modelJson),
    // Float weights barely compress: storing them keeps a large embedding table's export fast.
    [RUN_FILES.weights]: [bin, { level: 0 }],
    [RUN_FILES.config]: json(experiment),
    [RUN_FILES.schema]: json(run.schema),
    [RUN_FILES.metrics]: json(run.metrics),
    [RUN_FILES.metricsCsv]: strToU8(metricsCsv(run.metrics, run.schema)),
    [RUN_FILES.environment]: json({
      ...run.environment,
      date: run.environment.date ?? new Date().toISOString(),
    }),
  };
  return zipSync(files, { level: 6 });
}

const MIB = 1 << 20;

function mib(n: number): string {
  return `${(n / MIB).toFixed(n < MIB ? 2 : 0)} MiB`;
}

/** The archive's entries; only a file that starts like a zip gets this far. */
function entriesOf(bytes: Uint8Array): Map<string, ZipEntry> {
  if (bytes.length > IMPORT_LIMITS.zipBytes)
    throw new ImportError(
      `the zip is ${mib(bytes.length)}, more than the ${mib(IMPORT_LIMITS.zipBytes)} a run may be`,
    );
  // Every zip begins with a local file header ("PK\3\4"), or the end record ("PK\5\6") when empty.
  const magic =
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
  if (!magic)
    throw new ImportError(
      'this file is not a zip archive: an exported run is a .zip holding model.json, weights.bin, config.json and schema.json',
    );
  return zipEntries(bytes);
}

/** The parsed JSON of a file of the zip, its declared size checked first; undefined when the zip has no such file. */
function readJson(bytes: Uint8Array, entries: Map<string, ZipEntry>, name: string): unknown {
  const entry = entries.get(name);
  if (!entry) return undefined;
  const limit = IMPORT_LIMITS.jsonBytes[name];
  if (entry.declaredBytes > limit)
    throw new ImportError(
      `${name} declares ${mib(entry.declaredBytes)}, more than the ${mib(limit)} it may be`,
    );
  try {
    return JSON.parse(strFromU8(readEntry(bytes, entry)));
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(`${name} is not valid JSON (${(e as Error).message})`);
  }
}

function requiredJson(bytes: Uint8Array, entries: Map<string, ZipEntry>, name: string): unknown {
  if (!entries.has(name))
    throw new ImportError(`the zip has no ${name}: it is not a run exported by this playground`);
  return readJson(bytes, entries, name);
}

/**
 * model.json may list no more weight values than the model config.json describes holds on schema.json's data
 * (the catalog's size, the larger phase of a model that switches): a crafted pair of model.json and weights.bin
 * cannot ask for more, and the budget has already judged what config.json describes.
 */
function checkWeightsFitModel(
  manifest: tf.io.WeightsManifestConfig,
  experiment: Experiment,
  schema: DatasetSchema,
): void {
  const { id } = experiment.model;
  const info = MODEL_CATALOG.find((m) => m.id === id);
  if (!info)
    throw new ImportError(`config.json names the model "${id}", which this playground does not have`);
  let options: ModelOptions;
  try {
    options = resolveOptions(id, experiment.model.options);
  } catch (e) {
    throw new ImportError(`config.json: ${(e as Error).message}`);
  }
  const dims = {
    ...dataShapeOf(schema),
    embeddingDim: experiment.train.embeddingDim,
    domainInput: experiment.train.domainInput,
  };
  const most = info.size(options, dims).tensors.reduce((a, b) => a + b, 0);
  const listed = manifest.reduce((n, group) => n + weightBytes(group) / 4, 0);
  if (listed > most)
    throw new ImportError(
      `model.json lists ${listed} weight values, more than the ${most} of the ${info.name} model config.json describes on schema.json's data: the files do not belong together`,
    );
}

/**
 * The weights files model.json names, each read only once the sizes the zip declares for them are exactly what
 * model.json lists, and that total is within IMPORT_LIMITS.
 */
function readWeights(
  bytes: Uint8Array,
  entries: Map<string, ZipEntry>,
  manifest: tf.io.WeightsManifestConfig,
): Weights {
  const total = manifest.reduce((n, group) => n + weightBytes(group), 0);
  if (total > IMPORT_LIMITS.weightsBytes)
    throw new ImportError(
      `model.json lists ${mib(total)} of weights, more than the ${mib(IMPORT_LIMITS.weightsBytes)} an import may hold`,
    );
  for (const group of manifest) {
    const declared = group.paths.reduce((n, p) => n + (entries.get(p)?.declaredBytes ?? 0), 0);
    if (group.paths.every((p) => entries.has(p))) checkWeightsSize(group, declared);
  }
  return decodeWeights(manifest, (p) => {
    const entry = entries.get(p);
    return entry ? readEntry(bytes, entry) : null;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads an exported run, checking the sizes the zip declares before inflating anything, the config like a
 * plan (its limits included), the schema, and every weight (finite values only).
 */
export function importRunZip(bytes: Uint8Array): ImportedRun {
  const entries = entriesOf(bytes);
  const manifest = parseModelJson(requiredJson(bytes, entries, RUN_FILES.model));
  let experiment: Experiment;
  try {
    const config = requiredJson(bytes, entries, RUN_FILES.config);
    experiment = parseExperiment(config);
    // Runs exported before train.domainInput existed were built without the domain field: read them as such.
    if (isObject(config) && isObject(config.train) && config.train.domainInput === undefined)
      experiment.train.domainInput = false;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(`config.json is not a valid experiment: ${(e as Error).message}`);
  }
  const schema = parseSchema(requiredJson(bytes, entries, RUN_FILES.schema));
  checkWeightsFitModel(manifest, experiment, schema);
  const weights = readWeights(bytes, entries, manifest);
  const metrics = readJson(bytes, entries, RUN_FILES.metrics);
  if (metrics !== undefined && !(isObject(metrics) && isObject(metrics.test)))
    throw new ImportError('metrics.json has no test report ("test")');
  const environment = readJson(bytes, entries, RUN_FILES.environment);
  if (environment !== undefined && !isObject(environment))
    throw new ImportError('environment.json is not a JSON object');
  return {
    experiment,
    schema,
    weights,
    metrics: (metrics as RunMetrics | undefined) ?? null,
    environment: (environment as RunEnvironment | undefined) ?? null,
  };
}
