/**
 * The dataset schema a model was trained on (schema.json: domains, tasks, vocabularies with offsets, numeric
 * scaling) and how it compares with the schema of the dataset a model is loaded for.
 */
import type { CategoricalField, DatasetSchema, NumericField, TaskSpec } from '../data/types';
import { ImportError } from './errors';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTexts(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function fail(what: string): never {
  throw new ImportError(`schema.json: ${what}`);
}

/** Checks the fields scoring needs and keeps the rest of the object as written (the schema may carry more). */
export function parseSchema(v: unknown): DatasetSchema {
  if (!isObject(v)) fail('not a dataset schema (a JSON object with domains, tasks, categorical and numeric)');
  if (typeof v.domainColumn !== 'string') fail('domainColumn must be a column name');
  if (!isTexts(v.domains) || v.domains.length === 0) fail('domains must be a non-empty list of names');
  if (!Array.isArray(v.tasks) || v.tasks.length === 0) fail('tasks must be a non-empty list');
  v.tasks.forEach((t, i) => {
    if (
      !isObject(t) ||
      typeof t.name !== 'string' ||
      typeof t.column !== 'string' ||
      typeof t.rule !== 'string'
    )
      fail(`tasks[${i}] needs a name, a column and a rule`);
  });
  if (!Array.isArray(v.categorical)) fail('categorical must be a list');
  v.categorical.forEach((c, i) => {
    if (
      !isObject(c) ||
      typeof c.column !== 'string' ||
      !isTexts(c.vocab) ||
      !Number.isInteger(c.offset) ||
      !Number.isInteger(c.size)
    ) {
      fail(`categorical[${i}] needs a column, a vocab (list of texts), an offset and a size`);
    }
  });
  if (!Array.isArray(v.numeric)) fail('numeric must be a list');
  v.numeric.forEach((n, i) => {
    if (
      !isObject(n) ||
      typeof n.column !== 'string' ||
      typeof n.mean !== 'number' ||
      typeof n.std !== 'number'
    )
      fail(`numeric[${i}] needs a column, a mean and a std`);
  });
  if (!Number.isInteger(v.vocabSize)) fail('vocabSize must be an integer');
  return v as unknown as DatasetSchema;
}

function countDifference(what: string, trained: string[], current: string[]): string | null {
  if (trained.length === current.length) return null;
  return `the model was trained on ${trained.length} ${what} (${trained.join(', ') || 'none'}); this dataset has ${current.length} (${current.join(', ') || 'none'})`;
}

function fieldSize(f: CategoricalField): string {
  return f.hashBuckets === undefined ? `${f.vocab.length} values` : `${f.hashBuckets} hash buckets`;
}

function vocabSizeDifference(trained: DatasetSchema, current: DatasetSchema): string | null {
  if (trained.vocabSize === current.vocabSize) return null;
  const fields = trained.categorical
    .map((t, i) => ({ t, c: current.categorical[i] }))
    .filter(({ t, c }) => t.size !== c.size || t.column !== c.column)
    .map(({ t, c }) =>
      t.column === c.column
        ? `"${t.column}" (${fieldSize(t)} in the model, ${fieldSize(c)} here)`
        : `"${t.column}" in the model against "${c.column}" here`,
    );
  return `the embedding table has ${trained.vocabSize} rows in the model and ${current.vocabSize} for this dataset: the vocabularies of ${fields.join(', ')} differ`;
}

/** Differences that change the shape of the model: how many domains, tasks and features, and the embedding rows. */
export function shapeDifferences(trained: DatasetSchema, current: DatasetSchema): string[] {
  const cols = (fs: { column: string }[]) => fs.map((f) => f.column);
  const counts = [
    countDifference('domains', trained.domains, current.domains),
    countDifference(
      'tasks',
      trained.tasks.map((t) => t.name),
      current.tasks.map((t) => t.name),
    ),
    countDifference('categorical features', cols(trained.categorical), cols(current.categorical)),
    countDifference('numeric features', cols(trained.numeric), cols(current.numeric)),
  ].filter((d): d is string => d !== null);
  // The embedding rows are compared field by field, which needs the same number of fields.
  if (counts.length > 0) return counts;
  const vocab = vocabSizeDifference(trained, current);
  return vocab ? [vocab] : [];
}

/** `what`: the list's name (plural) and its item's (singular), e.g. ['domains', 'domain']. */
function listDifference([list, item]: [string, string], trained: string[], current: string[]): string | null {
  if (trained.length === current.length && trained.every((x, i) => x === current[i])) return null;
  const sorted = (xs: string[]) => JSON.stringify([...xs].sort());
  if (sorted(trained) === sorted(current)) {
    const few = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', …' : '');
    return `the ${list} are in a different order (model: ${few(trained)}; here: ${few(current)}), so ids would mean other values`;
  }
  const i = trained.findIndex((x, k) => x !== current[k]);
  return `the ${list} differ (${item} ${i + 1} is ${trained[i] ?? 'missing'} in the model, ${current[i] ?? 'missing'} here)`;
}

function taskText(t: TaskSpec): string {
  return `"${t.name}" (${t.column} ${t.rule})`;
}

function vocabDifference(t: CategoricalField, c: CategoricalField): string | null {
  if (t.column !== c.column) return `categorical feature "${t.column}" in the model is "${c.column}" here`;
  if (t.offset !== c.offset)
    return `the vocabulary of "${t.column}" starts at row ${t.offset} of the embedding table in the model, ${c.offset} here`;
  if (t.hashBuckets !== c.hashBuckets)
    return `"${t.column}" has ${fieldSize(t)} in the model, ${fieldSize(c)} here`;
  const quoted = (xs: string[]) => xs.map((x) => JSON.stringify(x));
  const diff = listDifference([`values of "${t.column}"`, 'value'], quoted(t.vocab), quoted(c.vocab));
  if (!diff) return null;
  const known = new Set(t.vocab);
  const unknown = c.vocab.filter((x) => !known.has(x));
  if (unknown.length === 0) return diff;
  const shown = unknown
    .slice(0, 3)
    .map((x) => `"${x}"`)
    .join(', ');
  return `the vocabulary of "${t.column}" differs: ${unknown.length} of its ${c.vocab.length} values here are not in the model's (${shown}${unknown.length > 3 ? ', …' : ''})`;
}

function scalingDifference(t: NumericField, c: NumericField): string | null {
  if (t.column !== c.column) return `numeric feature "${t.column}" in the model is "${c.column}" here`;
  // The same file, mapping and split give bit-identical statistics; anything else is another standardisation.
  if (t.mean === c.mean && t.std === c.std) return null;
  return `the scaling of "${t.column}" differs (model: mean ${t.mean}, std ${t.std}; here: mean ${c.mean}, std ${c.std})`;
}

/**
 * Differences that keep every shape but would score rows wrongly: the order or names of domains and tasks, the
 * task rules, the vocabularies (an id must mean the same value) and the numeric standardisation.
 * Call after `shapeDifferences` found none.
 */
export function meaningDifferences(trained: DatasetSchema, current: DatasetSchema): string[] {
  const out: (string | null)[] = [
    trained.domainColumn === current.domainColumn
      ? null
      : `the domain column is "${trained.domainColumn}" in the model, "${current.domainColumn}" here`,
    listDifference(
      ['domains', 'domain'],
      trained.domains.map((d) => JSON.stringify(d)),
      current.domains.map((d) => JSON.stringify(d)),
    ),
    listDifference(['tasks', 'task'], trained.tasks.map(taskText), current.tasks.map(taskText)),
    ...trained.categorical.map((t, i) => vocabDifference(t, current.categorical[i])),
    ...trained.numeric.map((t, i) => scalingDifference(t, current.numeric[i])),
  ];
  return out.filter((d): d is string => d !== null);
}
