/**
 * RawTable + mapping → EncodedDataset. Everything learnt from the data (vocabularies, standardisation, the check
 * that a label varies) is fitted on the train split only, so valid and test see what a deployed model would.
 * The table is dictionary-coded: trimming, parsing, hashing and rules run once per distinct value of a column,
 * and rows only look their code up.
 */
import { findLeaks, type Leak } from './leakage';
import type { ValueCount } from './profile';
import { caseOnlyMatches, LABEL_INVALID, LABEL_MISSING, parseRule, type LabelRule } from './rules';
import { mergeSkipped, noteSkipped } from './skipped';
import { randomSplit, splitFromColumn, splitRows } from './split';
import { cellAt, type RawTable, type TableColumn } from './table';
import {
  DataError,
  MAX_HASH_BUCKETS,
  type CategoricalField,
  type DataMapping,
  type DomainGrouping,
  type EncodedDataset,
  type FieldCounts,
  type HashedColumn,
  type NumericField,
  type CaseMismatch,
  type SkippedRows,
  type SplitName,
  type UnparseableCells,
} from './types';
import { compareParsed, compareValues, hashBucket, isMissingCell, parseNumber } from './values';

export const DEFAULT_MAX_VOCAB_PER_FIELD = 100_000;
/** A model holds one gate or tower input per domain: past this the domain column is an id, not a domain. */
export const MAX_DOMAINS = 1000;
export const DEFAULT_OTHER_DOMAIN = 'other';

export interface EncodeOptions {
  /** Values kept per categorical field, most frequent first; rarer ones share the out-of-vocabulary id. */
  maxVocabPerField?: number;
}

/** What each column of the file is used for. */
export interface ColumnRoles {
  domain: string;
  /** Source column of each task, in task order. */
  tasks: string[];
  numeric: string[];
  /** The mapping's list, or every column without another role, in file order. */
  categorical: string[];
  hashed: HashedColumn[];
  ignore: string[];
  split: string | null;
}
/** Labelled rows (labelMask 1) and positives of one domain × task cell. */
export interface CellStats {
  rows: number;
  positives: number;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

const MAX_LISTED_COLUMNS = 30;

function missingColumn(column: string, where: string, header: readonly string[]): DataError {
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const near = header
    .map((h) => ({ h, d: key(h) === key(column) ? 0 : editDistance(h.toLowerCase(), column.toLowerCase()) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(column.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map(({ h }) => `"${h}"`);
  const hint = near.length > 0 ? `; did you mean ${near.join(' or ')}?` : '';
  const listed = header.slice(0, MAX_LISTED_COLUMNS).join(', ');
  const more = header.length > MAX_LISTED_COLUMNS ? ` and ${header.length - MAX_LISTED_COLUMNS} more` : '';
  return new DataError(
    `${where}: column "${column}" is not in the file${hint} (columns: ${listed}${more})`,
    column,
  );
}

/** Resolves the role of every column and checks that each named column exists and has one role only. */
export function inferColumns(table: Pick<RawTable, 'header'>, mapping: DataMapping): ColumnRoles {
  const header = table.header;
  const present = new Set(header);
  const roleOf = new Map<string, string>();
  const claim = (column: string, role: string, where: string) => {
    if (!present.has(column)) throw missingColumn(column, where, header);
    const had = roleOf.get(column);
    // Two tasks may read one column through different rules; the domain may also be a feature (its id as model input).
    const shared = (had === 'task' && role === 'task') || (had === 'domain' && role === 'categorical');
    if (had !== undefined && !shared) {
      const why = had === role ? `is listed twice as ${role}` : `cannot be both ${had} and ${role}`;
      throw new DataError(`${where}: column "${column}" ${why}`, column);
    }
    roleOf.set(column, role);
  };

  if (mapping.tasks.length === 0) throw new DataError('the mapping names no task');
  claim(mapping.domain, 'domain', 'data.domain');
  mapping.tasks.forEach((t, i) => claim(t.column, 'task', `data.tasks[${i}].column`));
  if (mapping.split !== undefined) claim(mapping.split, 'split', 'data.split');
  const numeric = mapping.numeric ?? [];
  const listedCategorical = mapping.categorical ?? [];
  const hashed = mapping.hashed ?? [];
  const ignore = mapping.ignore ?? [];
  for (const c of numeric) claim(c, 'numeric', 'data.numeric');
  for (const c of listedCategorical) claim(c, 'categorical', 'data.categorical');
  hashed.forEach((h, i) => claim(h.column, 'hashed', `data.hashed[${i}]`));
  for (const c of ignore) claim(c, 'ignored', 'data.ignore');
  const categorical = listedCategorical.length > 0 ? listedCategorical : header.filter((h) => !roleOf.has(h));
  if (numeric.length + categorical.length + hashed.length === 0) {
    throw new DataError(
      'no feature columns: every column is the domain, a task source, the split or ignored',
    );
  }
  return {
    domain: mapping.domain,
    tasks: mapping.tasks.map((t) => t.column),
    numeric: numeric.slice(),
    categorical: categorical.slice(),
    hashed: hashed.map((h) => ({ ...h })),
    ignore: ignore.slice(),
    split: mapping.split ?? null,
  };
}

/** The name of range i (0..bins.length) of ascending cut points; see DomainGrouping.bins. */
export function binName(bins: readonly number[], i: number): string {
  if (i === 0) return `<${bins[0]}`;
  if (i === bins.length) return `≥${bins[i - 1]}`;
  const lo = bins[i - 1];
  const hi = bins[i];
  if (!(Number.isInteger(lo) && Number.isInteger(hi))) return `${lo}–${hi}`;
  return hi - 1 === lo ? `${lo}` : `${lo}–${hi - 1}`;
}

function checkGrouping(g: DomainGrouping): void {
  const { bins, minRows, other } = g;
  if (bins !== undefined) {
    const ascending = bins.every((b, i) => Number.isFinite(b) && (i === 0 || b > bins[i - 1]));
    if (bins.length === 0 || !ascending) {
      throw new DataError(`data.domainGroups.bins must be ascending numbers, not [${bins.join(', ')}]`);
    }
  }
  if (minRows !== undefined && !(Number.isInteger(minRows) && minRows >= 1)) {
    throw new DataError(`data.domainGroups.minRows must be a whole number ≥ 1, not ${minRows}`);
  }
  if (other !== undefined && other.trim() === '')
    throw new DataError('data.domainGroups.other must be a name');
}

/**
 * Table rows with a usable domain, their domain ids and the domain names. Each distinct cell maps to a group
 * (its trimmed text, or its range under bins) or to the reason its rows are unusable; groups with fewer than
 * minRows rows in the whole file then merge into `other`.
 */
function encodeDomains(
  cells: TableColumn,
  column: string,
  grouping: DomainGrouping,
  fileRow: (r: number) => number,
) {
  checkGrouping(grouping);
  const { bins } = grouping;
  const names: string[] = bins ? bins.map((_, i) => binName(bins, i)).concat(binName(bins, bins.length)) : [];
  const groupIds = new Map<string, number>();
  const groupOfCode = new Int32Array(cells.values.length);
  const unusable: string[] = [];
  cells.values.forEach((cell, c) => {
    const v = cell.trim();
    if (v === '') {
      groupOfCode[c] = -1;
      unusable[c] = `no value in the domain column "${column}"`;
    } else if (bins) {
      const x = parseNumber(v);
      if (Number.isNaN(x)) {
        groupOfCode[c] = -1;
        unusable[c] =
          `the domain column "${column}" holds "${v}", not a number to place in domainGroups.bins`;
      } else {
        let i = 0;
        while (i < bins.length && x >= bins[i]) i++;
        groupOfCode[c] = i;
      }
    } else {
      let g = groupIds.get(v);
      if (g === undefined) {
        g = names.length;
        groupIds.set(v, g);
        names.push(v);
      }
      groupOfCode[c] = g;
    }
  });

  const skipped: SkippedRows = { count: 0, examples: [] };
  const kept = new Int32Array(cells.codes.length);
  const rowsOf = new Int32Array(names.length);
  let n = 0;
  for (let r = 0; r < cells.codes.length; r++) {
    const code = cells.codes[r];
    const g = groupOfCode[code];
    if (g < 0) noteSkipped(skipped, fileRow(r), unusable[code]);
    else {
      rowsOf[g]++;
      kept[n++] = r;
    }
  }
  if (n === 0) {
    throw new DataError(
      bins
        ? `no row of the domain column "${column}" holds a number to place in domainGroups.bins`
        : `the domain column "${column}" is blank in every row`,
      column,
    );
  }

  const minRows = grouping.minRows ?? 0;
  const other = grouping.other?.trim() ?? DEFAULT_OTHER_DOMAIN;
  const present = names.map((_, g) => g).filter((g) => rowsOf[g] > 0);
  const large = present.filter((g) => rowsOf[g] >= minRows);
  const merged = large.length < present.length;
  if (large.length + (merged ? 1 : 0) > MAX_DOMAINS) {
    const what =
      minRows > 0 ? `${large.length} values with ${minRows} rows or more` : `${large.length} distinct values`;
    throw new DataError(
      `the domain column "${column}" has ${what}; a model takes ${MAX_DOMAINS} domains at most: merge rare ` +
        `values with domainGroups.minRows, or cut numbers into ranges with domainGroups.bins`,
      column,
    );
  }
  // Bins keep the order of their ranges; values sort as values (numbers numerically).
  if (!bins) large.sort((a, b) => compareValues(names[a], names[b]));
  const domains = large.map((g) => names[g]);
  if (merged && !domains.includes(other)) domains.push(other);
  const ids = new Map(domains.map((d, i) => [d, i]));
  const idOfGroup = Int32Array.from(names, (name, g) => ids.get(rowsOf[g] >= minRows ? name : other) ?? -1);
  const domain = new Int32Array(n);
  for (let k = 0; k < n; k++) domain[k] = idOfGroup[groupOfCode[cells.codes[kept[k]]]];
  return { kept: kept.slice(0, n), domains, domain, skipped };
}

/** Where a field writes its ids or values: column `field` of a row-major rows × numFields array. */
interface FieldSlot<A> {
  out: A;
  field: number;
  numFields: number;
}

interface CategoricalResult {
  field: CategoricalField;
  counts: FieldCounts;
  missing: number;
}

/**
 * Writes each kept row's id (offset + code's id) and counts missing, out-of-vocabulary and distinct values.
 * idOfCode and trimmed are per distinct cell.
 */
function writeIds(
  cells: TableColumn,
  trimmed: readonly string[],
  idOfCode: Int32Array,
  kept: Int32Array,
  oovId: number,
  { out, field, numFields }: FieldSlot<Int32Array>,
) {
  const missingCode = Uint8Array.from(trimmed, (v) => (isMissingCell(v, 'category') ? 1 : 0));
  const seen = new Uint8Array(cells.values.length);
  let missing = 0;
  let oovRows = 0;
  for (let k = 0; k < kept.length; k++) {
    const code = cells.codes[kept[k]];
    const id = idOfCode[code];
    out[k * numFields + field] = id;
    seen[code] = 1;
    if (missingCode[code] === 1) missing++;
    else if (id === oovId) oovRows++;
  }
  const distinct = new Set(trimmed.filter((_, c) => seen[c] === 1 && missingCode[c] === 0)).size;
  return { missing, oovRows, distinct };
}

function encodeCategorical(
  cells: TableColumn,
  column: string,
  kept: Int32Array,
  train: Int32Array,
  offset: number,
  maxVocab: number,
  slot: FieldSlot<Int32Array>,
): CategoricalResult {
  const trimmed = cells.values.map((v) => v.trim());
  const trainRows = new Int32Array(trimmed.length);
  for (let i = 0; i < train.length; i++) trainRows[cells.codes[kept[train[i]]]]++;
  // Cells that differ only by surrounding spaces are one value.
  const counts = new Map<string, number>();
  trimmed.forEach((v, c) => {
    if (v !== '' && trainRows[c] > 0) counts.set(v, (counts.get(v) ?? 0) + trainRows[c]);
  });
  const ranked = Array.from(counts, ([v, rows]) => ({ v, rows, x: parseNumber(v) }));
  ranked.sort((a, b) => b.rows - a.rows || compareParsed(a.v, a.x, b.v, b.x));
  const vocab = ranked.slice(0, maxVocab).map(({ v }) => v);
  const ids = new Map(vocab.map((v, i) => [v, offset + 1 + i]));
  // Blank, unseen in train and capped-off values all take the field's id 0.
  const idOfCode = new Int32Array(trimmed.length);
  for (let c = 0; c < trimmed.length; c++) idOfCode[c] = ids.get(trimmed[c]) ?? offset;
  const { missing, oovRows, distinct } = writeIds(cells, trimmed, idOfCode, kept, offset, slot);
  return {
    field: { column, vocab, offset, size: vocab.length + 1 },
    counts: { distinct, cappedValues: ranked.length - vocab.length, oovRows },
    missing,
  };
}

function encodeHashed(
  cells: TableColumn,
  { column, buckets }: HashedColumn,
  kept: Int32Array,
  offset: number,
  slot: FieldSlot<Int32Array>,
): CategoricalResult {
  if (!(Number.isInteger(buckets) && buckets >= 1 && buckets <= MAX_HASH_BUCKETS)) {
    throw new DataError(
      `data.hashed: column "${column}" needs a whole number of buckets from 1 to ${MAX_HASH_BUCKETS}, not ${buckets}`,
      column,
    );
  }
  const trimmed = cells.values.map((v) => v.trim());
  const idOfCode = new Int32Array(trimmed.length);
  for (let c = 0; c < trimmed.length; c++)
    idOfCode[c] = offset + (trimmed[c] === '' ? 0 : hashBucket(trimmed[c], buckets));
  // No id is out of vocabulary: -1 never matches.
  const { missing, distinct } = writeIds(cells, trimmed, idOfCode, kept, -1, slot);
  return {
    field: { column, vocab: [], offset, size: buckets + 1, hashBuckets: buckets },
    counts: { distinct, cappedValues: 0, oovRows: 0 },
    missing,
  };
}

/** What a distinct numeric cell holds. */
const NUMBER = 0;
const NO_VALUE = 1;
/** Text that is neither a decimal number nor a way of writing "no value". */
const TEXT = 2;

/** Distinct unparseable cells quoted in the report. */
const UNPARSEABLE_EXAMPLES = 3;

function encodeNumeric(
  cells: TableColumn,
  column: string,
  kept: Int32Array,
  train: Int32Array,
  fileRow: (r: number) => number,
  { out, field, numFields }: FieldSlot<Float32Array>,
): { field: NumericField; missing: number; unparseable: UnparseableCells | null } {
  const distinct = cells.values.length;
  const valueOf = new Float64Array(distinct);
  const kind = new Uint8Array(distinct);
  for (let c = 0; c < distinct; c++) {
    const x = parseNumber(cells.values[c]);
    valueOf[c] = x;
    if (Number.isNaN(x)) kind[c] = isMissingCell(cells.values[c], 'number') ? NO_VALUE : TEXT;
  }
  const n = kept.length;
  let filled = 0;
  let bad = 0;
  let firstBad = -1;
  const examples = new Set<string>();
  for (let k = 0; k < n; k++) {
    const code = cells.codes[kept[k]];
    const kd = kind[code];
    if (kd === NO_VALUE) continue;
    filled++;
    if (kd === TEXT) {
      bad++;
      if (firstBad < 0) firstBad = k;
      if (examples.size < UNPARSEABLE_EXAMPLES) examples.add(cells.values[code].trim());
    }
  }
  if (bad > 0 && bad * 2 >= filled) {
    const row = fileRow(kept[firstBad]);
    throw new DataError(
      `numeric column "${column}" mostly does not hold numbers: ${bad} of ${filled} filled cells are not ` +
        `decimal numbers, the first in row ${row} ("${cellAt(cells, kept[firstBad])}"); map it as categorical?`,
      column,
      row,
    );
  }
  let count = 0;
  let sum = 0;
  for (let i = 0; i < train.length; i++) {
    const v = valueOf[cells.codes[kept[train[i]]]];
    if (!Number.isNaN(v)) {
      count++;
      sum += v;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (let i = 0; i < train.length; i++) {
    const v = valueOf[cells.codes[kept[train[i]]]];
    if (!Number.isNaN(v)) sq += (v - mean) * (v - mean);
  }
  const sd = count > 0 ? Math.sqrt(sq / count) : 0;
  // A constant column would divide by zero; it carries no signal, so it just becomes 0.
  const std = sd > 0 ? sd : 1;
  // Missing and unparseable cells alike take the train mean: 0 after scaling.
  const scaled = new Float32Array(distinct);
  for (let c = 0; c < distinct; c++) scaled[c] = kind[c] === NUMBER ? (valueOf[c] - mean) / std : 0;
  let missing = 0;
  for (let k = 0; k < n; k++) {
    const code = cells.codes[kept[k]];
    out[k * numFields + field] = scaled[code];
    if (kind[code] === NO_VALUE) missing++;
  }
  const unparseable =
    bad > 0 ? { cells: bad, firstRow: fileRow(kept[firstBad]), examples: [...examples] } : null;
  return { field: { column, mean, std }, missing, unparseable };
}

function compileRule(name: string, column: string, rule: string): LabelRule {
  try {
    return parseRule(rule);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`task "${name}": ${err.message}`, column);
    throw err;
  }
}

const SHOWN_VALUES = 5;

/** The first few distinct values of the given rows, quoted, for a message. */
function someValues(cells: TableColumn, rows: Int32Array, kept: Int32Array): string {
  const shown = new Set<string>();
  for (let i = 0; i < rows.length && shown.size <= SHOWN_VALUES; i++) {
    const v = cellAt(cells, kept[rows[i]]).trim();
    if (v !== '') shown.add(v);
  }
  const list = [...shown].slice(0, SHOWN_VALUES).map((v) => `"${v}"`);
  return list.join(', ') + (shown.size > SHOWN_VALUES ? ', …' : '');
}

/** The train values of a column (trimmed, missing labels left out), with their rows. */
function trainValueCounts(cells: TableColumn, kept: Int32Array, train: Int32Array): ValueCount[] {
  const perCode = new Int32Array(cells.values.length);
  for (let i = 0; i < train.length; i++) perCode[cells.codes[kept[train[i]]]]++;
  const counts = new Map<string, number>();
  cells.values.forEach((cell, c) => {
    if (perCode[c] === 0 || isMissingCell(cell, 'label')) return;
    const v = cell.trim();
    counts.set(v, (counts.get(v) ?? 0) + perCode[c]);
  });
  return Array.from(counts, ([value, count]) => ({ value, count }));
}

const quoted = (values: readonly ValueCount[]) =>
  values.map((v) => `"${v.value}" (${v.count.toLocaleString('en-US')} rows)`).join(', ');

/**
 * Rule values that train values of the column spell only in another case: where no value matches exactly the
 * rule is a typo and refused; beside exact matches, the case variants are returned to be reported.
 */
function checkRuleCase(
  task: DataMapping['tasks'][number],
  rule: LabelRule,
  counts: readonly ValueCount[],
): CaseMismatch[] {
  const out: CaseMismatch[] = [];
  for (const match of caseOnlyMatches(rule, counts)) {
    const variants = quoted(match.variants);
    if (match.exactRows === 0) {
      throw new DataError(
        `task "${task.name}": rule "${rule.text}" matches no train value of column "${task.column}", but ` +
          `${variants} differ from "${match.value}" only by case: rules compare text exactly, so write the value ` +
          `as the column spells it`,
        task.column,
      );
    }
    const label = rule.apply(match.variants[0].value) === 1 ? 1 : 0;
    out.push({ ...match, task: task.name, column: task.column, rule: rule.text, label });
  }
  return out;
}

/** Writes task t's labels and mask; returns the rows whose source cell is missing, and case mismatches. */
function encodeTask(
  task: DataMapping['tasks'][number],
  cells: TableColumn,
  kept: Int32Array,
  train: Int32Array,
  fileRow: (r: number) => number,
  labels: Float32Array,
  labelMask: Uint8Array,
  t: number,
  numTasks: number,
): { missing: number; caseMismatches: CaseMismatch[] } {
  const rule = compileRule(task.name, task.column, task.rule);
  const caseMismatches = checkRuleCase(task, rule, trainValueCounts(cells, kept, train));
  const outcomeOf = new Int8Array(cells.values.length);
  for (let c = 0; c < outcomeOf.length; c++) outcomeOf[c] = rule.apply(cells.values[c]);
  let missing = 0;
  for (let k = 0; k < kept.length; k++) {
    const code = cells.codes[kept[k]];
    const y = outcomeOf[code];
    if (y === LABEL_MISSING) {
      missing++;
      continue;
    }
    if (y === LABEL_INVALID) {
      const row = fileRow(kept[k]);
      throw new DataError(
        `task "${task.name}": row ${row} of column "${task.column}" holds "${cells.values[code]}", which is not a ` +
          `decimal number for the rule "${rule.text}"`,
        task.column,
        row,
      );
    }
    labels[k * numTasks + t] = y;
    labelMask[k * numTasks + t] = 1;
  }
  let known = 0;
  let positives = 0;
  for (let i = 0; i < train.length; i++) {
    const j = train[i] * numTasks + t;
    known += labelMask[j];
    positives += labels[j];
  }
  if (known === 0) {
    throw new DataError(
      `task "${task.name}": column "${task.column}" has no label in any train row (blank, NA, null, …)`,
      task.column,
    );
  }
  if (positives === 0 || positives === known) {
    throw new DataError(
      `task "${task.name}": column "${task.column}" is always ${positives === 0 ? 0 : 1} under rule ` +
        `"${rule.text}" in the train split (it holds ${someValues(cells, train, kept)}), so there is nothing to learn`,
      task.column,
    );
  }
  return { missing, caseMismatches };
}

/** Feature columns that determine a task's label on the train split (leakage.ts), from the encoded labels. */
function trainLeaks(
  features: readonly { column: string; cells: TableColumn }[],
  mapping: DataMapping,
  kept: Int32Array,
  train: Int32Array,
  labels: Float32Array,
  labelMask: Uint8Array,
): Leak[] {
  const numTasks = mapping.tasks.length;
  const tasks = mapping.tasks.map((task, t) => ({
    name: task.name,
    labels: Int8Array.from(train, (k) => (labelMask[k * numTasks + t] === 1 ? labels[k * numTasks + t] : -1)),
  }));
  return findLeaks(
    features,
    Int32Array.from(train, (k) => kept[k]),
    tasks,
  );
}

/** Encodes the table under the mapping; every data problem is a DataError naming its column and row. */
export function encodeDataset(
  table: RawTable,
  mapping: DataMapping,
  opts: EncodeOptions = {},
): EncodedDataset {
  const maxVocab = opts.maxVocabPerField ?? DEFAULT_MAX_VOCAB_PER_FIELD;
  if (!(Number.isInteger(maxVocab) && maxVocab >= 1)) {
    throw new RangeError(`maxVocabPerField must be a positive integer, not ${maxVocab}`);
  }
  const roles = inferColumns(table, mapping);
  const index = new Map(table.header.map((h, i) => [h, i]));
  const cellsOf = (column: string) => table.columns[index.get(column)!];
  const fileRow = (r: number) => (table.fileRows ? table.fileRows[r] : r + 2);

  const { kept, domains, domain, skipped } = encodeDomains(
    cellsOf(roles.domain),
    roles.domain,
    mapping.domainGroups ?? {},
    fileRow,
  );
  const n = kept.length;

  let codes: Uint8Array;
  if (roles.split !== null) {
    codes = splitFromColumn(cellsOf(roles.split), roles.split, kept, fileRow);
  } else {
    // Drawn over all table rows so that a row's split does not depend on which rows the domain drops.
    const all = randomSplit(table.numRows, mapping.splitRatios, mapping.splitSeed);
    codes = new Uint8Array(n);
    for (let k = 0; k < n; k++) codes[k] = all[kept[k]];
  }
  const splits = splitRows(codes);
  const train = splits.train;
  if (train.length === 0)
    throw new DataError('the train split is empty: nothing to fit the encoding or the model on');

  const missing = new Map<string, number>();
  const fieldCounts = new Map<string, FieldCounts>();
  const numCat = roles.categorical.length + roles.hashed.length;
  const cat = new Int32Array(n * numCat);
  const categorical: CategoricalField[] = [];
  let vocabSize = 0;
  const addField = (r: CategoricalResult) => {
    categorical.push(r.field);
    fieldCounts.set(r.field.column, r.counts);
    missing.set(r.field.column, r.missing);
    vocabSize += r.field.size;
  };
  roles.categorical.forEach((column, f) => {
    const slot = { out: cat, field: f, numFields: numCat };
    addField(encodeCategorical(cellsOf(column), column, kept, train, vocabSize, maxVocab, slot));
  });
  roles.hashed.forEach((h, i) => {
    const slot = { out: cat, field: roles.categorical.length + i, numFields: numCat };
    addField(encodeHashed(cellsOf(h.column), h, kept, vocabSize, slot));
  });
  // An id past the table would not fail on WebGPU: gather silently reads 0 there.
  for (let i = 0; i < cat.length; i++) {
    if (cat[i] < 0 || cat[i] >= vocabSize)
      throw new Error(`categorical id ${cat[i]} outside the table of ${vocabSize}`);
  }

  const numNum = roles.numeric.length;
  const num = new Float32Array(n * numNum);
  const unparseable = new Map<string, UnparseableCells>();
  const numeric = roles.numeric.map((column, f) => {
    const r = encodeNumeric(cellsOf(column), column, kept, train, fileRow, {
      out: num,
      field: f,
      numFields: numNum,
    });
    missing.set(column, r.missing);
    if (r.unparseable) unparseable.set(column, r.unparseable);
    return r.field;
  });

  const numTasks = mapping.tasks.length;
  const labels = new Float32Array(n * numTasks);
  const labelMask = new Uint8Array(n * numTasks);
  const caseMismatches: CaseMismatch[] = [];
  mapping.tasks.forEach((task, t) => {
    const r = encodeTask(task, cellsOf(task.column), kept, train, fileRow, labels, labelMask, t, numTasks);
    missing.set(task.column, r.missing);
    caseMismatches.push(...r.caseMismatches);
  });
  const features = [...roles.categorical, ...roles.hashed.map((h) => h.column), ...roles.numeric].map(
    (column) => ({ column, cells: cellsOf(column) }),
  );

  return {
    schema: {
      domainColumn: roles.domain,
      domains,
      tasks: mapping.tasks.map((t) => ({ ...t })),
      categorical,
      numeric,
      vocabSize,
    },
    numRows: n,
    cat,
    num,
    domain,
    labels,
    labelMask,
    splits,
    skipped: mergeSkipped(table.skipped, skipped),
    // fromEntries, not assignment: a column named "__proto__" stays a plain key.
    missing: Object.fromEntries(missing),
    unparseable: Object.fromEntries(unparseable),
    caseMismatches,
    leaks: trainLeaks(features, mapping, kept, train, labels, labelMask),
    fieldCounts: Object.fromEntries(fieldCounts),
    notes: table.notes.slice(),
  };
}

/** [domain][task] labelled rows and positives of one split: the table the dataset panel shows. */
export function cellStats(ds: EncodedDataset, split: SplitName): CellStats[][] {
  const numTasks = ds.schema.tasks.length;
  const out = ds.schema.domains.map(() =>
    Array.from({ length: numTasks }, () => ({ rows: 0, positives: 0 })),
  );
  for (const r of ds.splits[split]) {
    const cells = out[ds.domain[r]];
    for (let t = 0; t < numTasks; t++) {
      const j = r * numTasks + t;
      if (ds.labelMask[j] === 0) continue;
      cells[t].rows++;
      cells[t].positives += ds.labels[j];
    }
  }
  return out;
}
