import type { DataMapping, TaskSpec } from './data/types';
import { DEFAULT_TRAIN, type TrainConfig } from './train/config';

/**
 * An experiment: what the UI saves and shares and what `npm run bench -- --experiment` reads.
 * Unknown keys are an error that names them, so a typo never silently falls back to a default.
 */
export interface Experiment {
  data: DataMapping;
  model: { id: string; options: Record<string, unknown> };
  train: TrainConfig;
}

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

const DATA_KEYS = [
  'dataset', 'path', 'domain', 'tasks', 'numeric', 'categorical', 'ignore', 'split', 'splitRatios', 'splitSeed',
] as const;
const TASK_KEYS = ['name', 'column', 'rule'] as const;
const MODEL_KEYS = ['id', 'options'] as const;
const TOP_KEYS = ['data', 'model', 'train'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ExperimentError(`${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
}

function stringList(where: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new ExperimentError(`${where} must be a list of column names`);
  return v as string[];
}

function parseTask(i: number, v: unknown): TaskSpec {
  if (!isObject(v)) throw new ExperimentError(`data.tasks[${i}] must be an object`);
  checkKeys(`data.tasks[${i}]`, v, TASK_KEYS);
  const { name, column, rule } = v;
  if (typeof column !== 'string' || column === '') throw new ExperimentError(`data.tasks[${i}].column must be a column name`);
  if (typeof rule !== 'string' || rule.trim() === '') throw new ExperimentError(`data.tasks[${i}].rule must be a rule such as "== 1"`);
  return { name: typeof name === 'string' && name !== '' ? name : column, column, rule };
}

export function parseDataMapping(v: unknown): DataMapping {
  if (!isObject(v)) throw new ExperimentError('data must be an object');
  checkKeys('data', v, DATA_KEYS);
  if (typeof v.domain !== 'string' || v.domain === '') throw new ExperimentError('data.domain must name the domain column');
  if (!Array.isArray(v.tasks) || v.tasks.length === 0) throw new ExperimentError('data.tasks must list at least one task');
  const tasks = v.tasks.map((t, i) => parseTask(i, t));
  const names = new Set<string>();
  for (const t of tasks) {
    if (names.has(t.name)) throw new ExperimentError(`data.tasks: the task name "${t.name}" is used twice`);
    names.add(t.name);
  }
  const out: DataMapping = { domain: v.domain, tasks };
  if (v.dataset !== undefined) {
    if (typeof v.dataset !== 'string') throw new ExperimentError('data.dataset must be a bundled dataset id');
    out.dataset = v.dataset;
  }
  if (v.path !== undefined) {
    if (typeof v.path !== 'string') throw new ExperimentError('data.path must be a file path');
    out.path = v.path;
  }
  out.numeric = stringList('data.numeric', v.numeric);
  out.categorical = stringList('data.categorical', v.categorical);
  out.ignore = stringList('data.ignore', v.ignore);
  if (v.split !== undefined) {
    if (typeof v.split !== 'string') throw new ExperimentError('data.split must name the split column');
    out.split = v.split;
  }
  if (v.splitRatios !== undefined) {
    const r = v.splitRatios;
    if (!Array.isArray(r) || r.length !== 3 || r.some((x) => typeof x !== 'number' || !(x >= 0)) || !((r as number[]).reduce((a, b) => a + b, 0) > 0)) {
      throw new ExperimentError('data.splitRatios must be three non-negative numbers (train, valid, test)');
    }
    out.splitRatios = r as [number, number, number];
  }
  if (v.splitSeed !== undefined) {
    if (!Number.isInteger(v.splitSeed)) throw new ExperimentError('data.splitSeed must be an integer');
    out.splitSeed = v.splitSeed as number;
  }
  for (const k of Object.keys(out) as (keyof DataMapping)[]) if (out[k] === undefined) delete out[k];
  return out;
}

const TRAIN_KEYS = Object.keys(DEFAULT_TRAIN) as (keyof TrainConfig)[];
const INTEGER_KEYS: (keyof TrainConfig)[] = ['epochs', 'batchSize', 'seed', 'embeddingDim', 'patience', 'evalEvery', 'liveEvalRows', 'maxSteps'];

export function parseTrainConfig(v: unknown): TrainConfig {
  if (v === undefined) return { ...DEFAULT_TRAIN };
  if (!isObject(v)) throw new ExperimentError('train must be an object');
  checkKeys('train', v, TRAIN_KEYS);
  const out = { ...DEFAULT_TRAIN };
  for (const k of TRAIN_KEYS) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ExperimentError(`train.${k} must be a number`);
    if (INTEGER_KEYS.includes(k) && !Number.isInteger(x)) throw new ExperimentError(`train.${k} must be an integer`);
    out[k] = x;
  }
  if (out.epochs < 1) throw new ExperimentError('train.epochs must be at least 1');
  if (out.batchSize < 1) throw new ExperimentError('train.batchSize must be at least 1');
  if (!(out.learningRate > 0)) throw new ExperimentError('train.learningRate must be positive');
  if (out.embeddingDim < 1) throw new ExperimentError('train.embeddingDim must be at least 1');
  if (out.patience < 0 || out.evalEvery < 0 || out.maxSteps < 0 || out.liveEvalRows < 1) {
    throw new ExperimentError('train.patience, evalEvery and maxSteps must be ≥ 0 and liveEvalRows ≥ 1');
  }
  return out;
}

/** Parses and validates an experiment; model options are checked later against the model registry. */
export function parseExperiment(v: unknown): Experiment {
  if (!isObject(v)) throw new ExperimentError('an experiment must be a JSON object');
  checkKeys('experiment', v, TOP_KEYS);
  const data = parseDataMapping(v.data);
  if (!isObject(v.model)) throw new ExperimentError('model must be an object with an "id"');
  checkKeys('model', v.model, MODEL_KEYS);
  if (typeof v.model.id !== 'string') throw new ExperimentError('model.id must be a model id');
  const options = v.model.options === undefined ? {} : v.model.options;
  if (!isObject(options)) throw new ExperimentError('model.options must be an object');
  return { data, model: { id: v.model.id, options }, train: parseTrainConfig(v.train) };
}
