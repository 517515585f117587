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
import { unzipSync, zipSync, strFromU8, strToU8, type Zippable } from 'fflate';
import type { DatasetSchema } from '../data/types';
import { parseExperiment, type Experiment } from '../experiment';
import { resolveOptions } from '../models/catalog';
import type { TrainEvent, WeightsSource } from '../train/events';
import type { EvalReport } from '../train/report';

type DoneEvent = Extract<TrainEvent, { type: 'done' }>;
import { ImportError } from './errors';
import { parseSchema } from './schema';
import { decodeWeights, encodeWeights, parseModelJson, WEIGHTS_FILE, type Weights } from './weights';

export { loadWeightsInto } from './loadWeights';

export const RUN_FILES = {
  model: 'model.json',
  weights: WEIGHTS_FILE,
  config: 'config.json',
  schema: 'schema.json',
  metrics: 'metrics.json',
  metricsCsv: 'metrics.csv',
  environment: 'environment.json',
} as const;

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

function unzip(bytes: Uint8Array): Record<string, Uint8Array> {
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
  try {
    return unzipSync(bytes);
  } catch (e) {
    throw new ImportError(`the zip archive is corrupt (${(e as Error).message}): download the run again`);
  }
}

/** The parsed JSON of a file of the zip; undefined when the zip has no such file. */
function readJson(files: Record<string, Uint8Array>, name: string): unknown {
  const bytes = files[name];
  if (!bytes) return undefined;
  try {
    return JSON.parse(strFromU8(bytes));
  } catch (e) {
    throw new ImportError(`${name} is not valid JSON (${(e as Error).message})`);
  }
}

function requiredJson(files: Record<string, Uint8Array>, name: string): unknown {
  if (!files[name])
    throw new ImportError(`the zip has no ${name}: it is not a run exported by this playground`);
  return readJson(files, name);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function importRunZip(bytes: Uint8Array): ImportedRun {
  const files = unzip(bytes);
  const manifest = parseModelJson(requiredJson(files, RUN_FILES.model));
  const weights = decodeWeights(manifest, (path) => files[path] ?? null);
  let experiment: Experiment;
  try {
    const config = requiredJson(files, RUN_FILES.config);
    experiment = parseExperiment(config);
    // Runs exported before train.domainInput existed were built without the domain field: read them as such.
    if (isObject(config) && isObject(config.train) && config.train.domainInput === undefined)
      experiment.train.domainInput = false;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(`config.json is not a valid experiment: ${(e as Error).message}`);
  }
  const schema = parseSchema(requiredJson(files, RUN_FILES.schema));
  const metrics = readJson(files, RUN_FILES.metrics);
  if (metrics !== undefined && !(isObject(metrics) && isObject(metrics.test)))
    throw new ImportError('metrics.json has no test report ("test")');
  const environment = readJson(files, RUN_FILES.environment);
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
