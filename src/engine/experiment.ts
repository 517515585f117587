import {
  MAX_HASH_BUCKETS,
  type DataMapping,
  type DomainGrouping,
  type HashedColumn,
  type TaskSpec,
} from './data/types';
import { resolveOptions } from './models/catalog';
import { DEFAULT_TRAIN, EMBEDDING_INITS, type TrainConfig } from './train/config';

/**
 * An experiment: one run (data, one model configuration, training settings with its seed). A plan
 * (`ExperimentPlan` below) compares several configurations over seeds and expands into experiments.
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
  'dataset',
  'path',
  'domain',
  'tasks',
  'numeric',
  'categorical',
  'ignore',
  'split',
  'splitRatios',
  'splitSeed',
  'domainGroups',
  'hashed',
  'sha256',
  'domainNames',
] as const;
const DOMAIN_GROUP_KEYS = ['bins', 'minRows', 'other'] as const;
const HASHED_KEYS = ['column', 'buckets'] as const;
const TASK_KEYS = ['name', 'column', 'rule'] as const;
const MODEL_KEYS = ['id', 'options'] as const;
const TOP_KEYS = ['data', 'model', 'models', 'train', 'seeds'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ExperimentError(
      `${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`,
    );
  }
}

function stringList(where: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new ExperimentError(`${where} must be a list of column names`);
  return v as string[];
}

function parseTask(i: number, v: unknown): TaskSpec {
  if (!isObject(v)) throw new ExperimentError(`data.tasks[${i}] must be an object`);
  checkKeys(`data.tasks[${i}]`, v, TASK_KEYS);
  const { name, column, rule } = v;
  if (typeof column !== 'string' || column === '')
    throw new ExperimentError(`data.tasks[${i}].column must be a column name`);
  if (typeof rule !== 'string' || rule.trim() === '')
    throw new ExperimentError(`data.tasks[${i}].rule must be a rule such as "== 1"`);
  return { name: typeof name === 'string' && name !== '' ? name : column, column, rule };
}

function parseDomainGroups(v: unknown): DomainGrouping {
  if (!isObject(v))
    throw new ExperimentError('data.domainGroups must be an object such as { "bins": [18, 25, 35] }');
  checkKeys('data.domainGroups', v, DOMAIN_GROUP_KEYS);
  const out: DomainGrouping = {};
  if (v.bins !== undefined) {
    const b = v.bins;
    const ascending =
      Array.isArray(b) &&
      b.length > 0 &&
      b.every((x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x > (b[i - 1] as number)));
    if (!ascending)
      throw new ExperimentError(
        'data.domainGroups.bins must be a list of ascending numbers, such as [18, 25, 35]',
      );
    out.bins = b as number[];
  }
  if (v.minRows !== undefined) {
    if (!Number.isInteger(v.minRows) || (v.minRows as number) < 1)
      throw new ExperimentError('data.domainGroups.minRows must be a whole number ≥ 1');
    out.minRows = v.minRows as number;
  }
  if (v.other !== undefined) {
    if (typeof v.other !== 'string' || v.other.trim() === '')
      throw new ExperimentError('data.domainGroups.other must be the name of the merged domain');
    out.other = v.other;
  }
  return out;
}

/** A hashed column may have no other role: its cells become bucket ids and nothing else. */
function parseHashed(v: unknown, roles: Map<string, string>): HashedColumn[] {
  if (!Array.isArray(v))
    throw new ExperimentError(
      'data.hashed must be a list such as [{ "column": "user_id", "buckets": 100000 }]',
    );
  const seen = new Set<string>();
  return v.map((h, i) => {
    const where = `data.hashed[${i}]`;
    if (!isObject(h)) throw new ExperimentError(`${where} must be an object with "column" and "buckets"`);
    checkKeys(where, h, HASHED_KEYS);
    const { column, buckets } = h;
    if (typeof column !== 'string' || column === '')
      throw new ExperimentError(`${where}.column must be a column name`);
    if (!Number.isInteger(buckets) || (buckets as number) < 1 || (buckets as number) > MAX_HASH_BUCKETS) {
      throw new ExperimentError(`${where}.buckets must be a whole number from 1 to ${MAX_HASH_BUCKETS}`);
    }
    const role = roles.get(column);
    if (role !== undefined)
      throw new ExperimentError(
        `${where}: column "${column}" is also ${role}; a hashed column has no other role`,
      );
    if (seen.has(column)) throw new ExperimentError(`${where}: column "${column}" is hashed twice`);
    seen.add(column);
    return { column, buckets: buckets as number };
  });
}

export function parseDataMapping(v: unknown): DataMapping {
  if (!isObject(v)) throw new ExperimentError('data must be an object');
  checkKeys('data', v, DATA_KEYS);
  if (typeof v.domain !== 'string' || v.domain === '')
    throw new ExperimentError('data.domain must name the domain column');
  if (!Array.isArray(v.tasks) || v.tasks.length === 0)
    throw new ExperimentError('data.tasks must list at least one task');
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
    if (
      !Array.isArray(r) ||
      r.length !== 3 ||
      r.some((x) => typeof x !== 'number' || !(x >= 0)) ||
      !((r as number[]).reduce((a, b) => a + b, 0) > 0)
    ) {
      throw new ExperimentError('data.splitRatios must be three non-negative numbers (train, valid, test)');
    }
    out.splitRatios = r as [number, number, number];
  }
  if (v.splitSeed !== undefined) {
    if (!Number.isInteger(v.splitSeed)) throw new ExperimentError('data.splitSeed must be an integer');
    out.splitSeed = v.splitSeed as number;
  }
  if (v.domainGroups !== undefined) out.domainGroups = parseDomainGroups(v.domainGroups);
  if (v.hashed !== undefined) {
    const roles = new Map<string, string>([[out.domain, 'the domain (data.domain)']]);
    tasks.forEach((t, i) => roles.set(t.column, `a task source (data.tasks[${i}])`));
    for (const key of ['numeric', 'categorical', 'ignore'] as const)
      for (const c of out[key] ?? []) roles.set(c, `listed in data.${key}`);
    if (out.split !== undefined) roles.set(out.split, 'the split column (data.split)');
    out.hashed = parseHashed(v.hashed, roles);
  }
  if (v.sha256 !== undefined) {
    if (typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(v.sha256))
      throw new ExperimentError('data.sha256 must be the 64 hex digits of a SHA-256');
    out.sha256 = v.sha256.toLowerCase();
  }
  if (v.domainNames !== undefined) out.domainNames = parseDomainNames(v.domainNames);
  for (const k of Object.keys(out) as (keyof DataMapping)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** Display names of domain values: an object of non-empty texts, such as { "0": "Female", "1": "Male" }. */
function parseDomainNames(v: unknown): Record<string, string> {
  if (!isObject(v))
    throw new ExperimentError('data.domainNames must be an object such as { "0": "Female", "1": "Male" }');
  for (const [value, name] of Object.entries(v)) {
    if (typeof name !== 'string' || name.trim() === '')
      throw new ExperimentError(`data.domainNames["${value}"] must be a non-empty name`);
  }
  return { ...(v as Record<string, string>) };
}

const TRAIN_KEYS = Object.keys(DEFAULT_TRAIN) as (keyof TrainConfig)[];
const INTEGER_KEYS: (keyof TrainConfig)[] = [
  'epochs',
  'batchSize',
  'seed',
  'embeddingDim',
  'patience',
  'evalEvery',
  'liveEvalRows',
  'maxSteps',
];
// A plan sets the seeds of all its configurations at once (`seeds`), so a configuration may not set its own.
const MODEL_TRAIN_KEYS = TRAIN_KEYS.filter((k) => k !== 'seed');
const PLANNED_MODEL_KEYS = ['name', 'id', 'options', 'train'] as const;

/** The settings `v` gives, each checked for type, in DEFAULT_TRAIN's key order; `where` names the block. */
function trainValues(
  where: string,
  v: unknown,
  allowed: readonly (keyof TrainConfig)[],
): Partial<TrainConfig> {
  if (!isObject(v)) throw new ExperimentError(`${where} must be an object`);
  checkKeys(where, v, allowed);
  const out: Record<string, unknown> = {};
  for (const k of allowed) {
    const x = v[k];
    if (x === undefined) continue;
    if (k === 'embeddingInit') {
      if (!EMBEDDING_INITS.includes(x as never))
        throw new ExperimentError(`${where}.embeddingInit must be one of ${EMBEDDING_INITS.join(', ')}`);
    } else if (k === 'domainInput') {
      if (typeof x !== 'boolean') throw new ExperimentError(`${where}.domainInput must be true or false`);
    } else {
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new ExperimentError(`${where}.${k} must be a number`);
      if (INTEGER_KEYS.includes(k) && !Number.isInteger(x))
        throw new ExperimentError(`${where}.${k} must be an integer`);
    }
    out[k] = x;
  }
  return out as Partial<TrainConfig>;
}

/**
 * The most any run may ask for, whatever its data: a link or a zip from anyone must not be able to ask for a
 * billion-row batch or a trillion epochs. What actually fits is decided later by the memory budget (budget.ts),
 * which knows the data's shape and the backend.
 */
export const TRAIN_LIMITS = {
  epochs: 10_000,
  batchSize: 1 << 20,
  embeddingDim: 1024,
  patience: 10_000,
  liveEvalRows: 1 << 24,
  // Ten times PyTorch's N(0, 1): a larger scale swamps every other input (and 1e39 overflows float32 to Infinity).
  embeddingInitScale: 10,
} as const satisfies Partial<Record<keyof TrainConfig, number>>;

/** A plan's size: each run is a worker and a model, queued at once; `jsonBytes` bounds its JSON text. */
export const PLAN_LIMITS = { models: 16, seeds: 32, runs: 64, jsonBytes: 1 << 20 } as const;

function checkTrainRanges(where: string, c: TrainConfig): void {
  if (c.epochs < 1) throw new ExperimentError(`${where}.epochs must be at least 1`);
  if (c.batchSize < 1) throw new ExperimentError(`${where}.batchSize must be at least 1`);
  if (!(c.learningRate > 0)) throw new ExperimentError(`${where}.learningRate must be positive`);
  if (c.embeddingDim < 1) throw new ExperimentError(`${where}.embeddingDim must be at least 1`);
  if (!(c.embeddingInitScale > 0)) throw new ExperimentError(`${where}.embeddingInitScale must be positive`);
  if (c.patience < 0 || c.evalEvery < 0 || c.maxSteps < 0 || c.liveEvalRows < 1) {
    throw new ExperimentError(`${where}.patience, evalEvery and maxSteps must be ≥ 0 and liveEvalRows ≥ 1`);
  }
  for (const [key, max] of Object.entries(TRAIN_LIMITS) as [keyof typeof TRAIN_LIMITS, number][]) {
    if (c[key] > max)
      throw new ExperimentError(`${where}.${key} is ${c[key]}, more than the ${max} a run may use`);
  }
}

export function parseTrainConfig(v: unknown): TrainConfig {
  const out = { ...DEFAULT_TRAIN, ...(v === undefined ? {} : trainValues('train', v, TRAIN_KEYS)) };
  checkTrainRanges('train', out);
  return out;
}

/** One model configuration of a plan; `name` tells configurations of the same model id apart in a comparison. */
export interface PlannedModel {
  name: string;
  id: string;
  options: Record<string, unknown>;
  /** Settings this configuration changes from the plan's `train` (never the seed: `seeds` sets it). */
  train: Partial<TrainConfig>;
}

/**
 * Model configurations compared on one identical split, each run once per seed: what a shared link and
 * `npm run bench -- --experiment` hold. A single-run experiment is the plan of one model and one seed.
 */
export interface ExperimentPlan {
  data: DataMapping;
  models: PlannedModel[];
  /** Settings shared by every configuration; its seed is the default of `seeds`. */
  train: TrainConfig;
  seeds: number[];
}

export interface PlannedRun {
  name: string;
  seed: number;
  experiment: Experiment;
}

function idAndOptions(
  where: string,
  v: Record<string, unknown>,
): { id: string; options: Record<string, unknown> } {
  if (typeof v.id !== 'string' || v.id === '') throw new ExperimentError(`${where}.id must be a model id`);
  const options = v.options === undefined ? {} : v.options;
  if (!isObject(options)) throw new ExperimentError(`${where}.options must be an object`);
  return { id: v.id, options };
}

function plannedModel(
  i: number,
  v: unknown,
  base: TrainConfig,
): Omit<PlannedModel, 'name'> & { name?: string } {
  const where = `models[${i}]`;
  if (!isObject(v)) throw new ExperimentError(`${where} must be an object with an "id"`);
  checkKeys(where, v, PLANNED_MODEL_KEYS);
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name === ''))
    throw new ExperimentError(`${where}.name must be a non-empty text`);
  if (isObject(v.train) && v.train.seed !== undefined)
    throw new ExperimentError(
      `${where}.train.seed: a plan sets the seeds of every configuration with "seeds"`,
    );
  const train = v.train === undefined ? {} : trainValues(`${where}.train`, v.train, MODEL_TRAIN_KEYS);
  // The base is valid already, so a range error here comes from this configuration's own settings.
  checkTrainRanges(`${where}.train`, { ...base, ...train });
  return { name: v.name as string | undefined, ...idAndOptions(where, v), train };
}

/** Unnamed configurations take their model id, or id-2, id-3, … where that name is taken. */
function namedModels(entries: ReturnType<typeof plannedModel>[]): PlannedModel[] {
  const explicit = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.name === undefined) return;
    const first = explicit.get(e.name);
    if (first !== undefined)
      throw new ExperimentError(
        `models: the name "${e.name}" is used twice (models[${first}] and models[${i}])`,
      );
    explicit.set(e.name, i);
  });
  const taken = new Set(explicit.keys());
  return entries.map((e) => {
    let name = e.name;
    if (name === undefined) {
      name = e.id;
      for (let k = 2; taken.has(name); k++) name = `${e.id}-${k}`;
      taken.add(name);
    }
    return { name, id: e.id, options: e.options, train: e.train };
  });
}

function parseModels(v: Record<string, unknown>, base: TrainConfig): PlannedModel[] {
  if (v.model !== undefined && v.models !== undefined) {
    throw new ExperimentError(
      'experiment: give either "model" (one configuration) or "models" (a list to compare), not both',
    );
  }
  if (v.models === undefined) {
    if (!isObject(v.model)) throw new ExperimentError('model must be an object with an "id"');
    checkKeys('model', v.model, MODEL_KEYS);
    const { id, options } = idAndOptions('model', v.model);
    return [{ name: id, id, options, train: {} }];
  }
  if (!Array.isArray(v.models) || v.models.length === 0)
    throw new ExperimentError('models must list at least one model configuration');
  if (v.models.length > PLAN_LIMITS.models) {
    throw new ExperimentError(
      `models lists ${v.models.length} configurations; a plan may compare at most ${PLAN_LIMITS.models}`,
    );
  }
  return namedModels(v.models.map((m, i) => plannedModel(i, m, base)));
}

function parseSeeds(v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((s) => !Number.isInteger(s)))
    throw new ExperimentError('seeds must be a non-empty list of integers');
  if (v.length > PLAN_LIMITS.seeds)
    throw new ExperimentError(`seeds lists ${v.length} seeds; a plan may have at most ${PLAN_LIMITS.seeds}`);
  const seen = new Set<number>();
  for (const s of v as number[]) {
    if (seen.has(s)) throw new ExperimentError(`seeds: ${s} is listed twice`);
    seen.add(s);
  }
  return v as number[];
}

/** Parses and validates a plan (or a single-run experiment); model options are checked later against the model registry. */
export function parsePlan(v: unknown): ExperimentPlan {
  if (!isObject(v)) throw new ExperimentError('an experiment must be a JSON object');
  checkKeys('experiment', v, TOP_KEYS);
  const data = parseDataMapping(v.data);
  const train = parseTrainConfig(v.train);
  const models = parseModels(v, train);
  const seeds = v.seeds === undefined ? [train.seed] : parseSeeds(v.seeds);
  const runs = models.length * seeds.length;
  if (runs > PLAN_LIMITS.runs) {
    throw new ExperimentError(
      `the plan is ${models.length} configurations × ${seeds.length} seeds = ${runs} runs; at most ${PLAN_LIMITS.runs} can be queued: fewer configurations or seeds`,
    );
  }
  return { data, models, train, seeds };
}

/** Every run of a plan, configuration by configuration, each once per seed; the runs share nothing mutable. */
export function expandPlan(plan: ExperimentPlan): PlannedRun[] {
  return plan.models.flatMap((m) =>
    plan.seeds.map((seed) => ({
      name: m.name,
      seed,
      experiment: {
        data: structuredClone(plan.data),
        model: { id: m.id, options: structuredClone(m.options) },
        train: { ...plan.train, ...m.train, seed },
      },
    })),
  );
}

/** Parses and validates one run: a plan of one configuration and one seed. */
export function parseExperiment(v: unknown): Experiment {
  const plan = parsePlan(v);
  const runs = expandPlan(plan);
  if (runs.length !== 1) {
    throw new ExperimentError(
      `this is a plan of ${runs.length} runs (${plan.models.length} model configurations × ${plan.seeds.length} seeds), not a single run`,
    );
  }
  return runs[0].experiment;
}

function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function trainInOrder(t: Partial<TrainConfig>): Partial<TrainConfig> {
  return Object.fromEntries(TRAIN_KEYS.filter((k) => t[k] !== undefined).map((k) => [k, t[k]]));
}

/**
 * The canonical JSON of a plan: every setting explicit and keys in a fixed order, so that one plan always
 * gives one text (and one link), and `parsePlan` reads it back to the same plan.
 */
export function planToJson(plan: ExperimentPlan, space?: number): string {
  return JSON.stringify(
    {
      // parseDataMapping builds its result in a fixed key order, whatever the order it was given.
      data: parseDataMapping(plan.data),
      models: plan.models.map((m) => ({
        name: m.name,
        id: m.id,
        options: sortedKeys(m.options),
        train: trainInOrder(m.train),
      })),
      train: trainInOrder(plan.train),
      seeds: plan.seeds,
    },
    null,
    space,
  );
}

/** JSON with every object's keys sorted, at every depth: one value, one text. */
function stableJson(v: unknown): string {
  const norm = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(norm)
      : isObject(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, norm(x[k])]),
          )
        : x;
  return JSON.stringify(norm(v));
}

/**
 * One text per computation: the data (its source, mapping and split), the model with its options resolved
 * (defaults filled in, so `{}` and the defaults written out are the same model) and every training setting, the
 * seed included. Two runs with one key compute the same numbers: a second one is a copy, not another seed.
 */
export function experimentKey(e: Experiment): string {
  return stableJson({
    data: parseDataMapping(e.data),
    model: { id: e.model.id, options: resolveOptions(e.model.id, e.model.options) },
    train: e.train,
  });
}
