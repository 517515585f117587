/**
 * RawTable + mapping → EncodedDataset. Everything learnt from the data (vocabularies, standardisation, the check
 * that a label varies) is fitted on the train split only, so valid and test see what a deployed model would.
 */
import type { RawTable } from './csv';
import { LABEL_INVALID, LABEL_MISSING, parseRule, type LabelOutcome, type LabelRule } from './rules';
import { mergeSkipped, noteSkipped } from './skipped';
import { randomSplit, splitFromColumn, splitRows } from './split';
import {
  DataError,
  type CategoricalField,
  type DataMapping,
  type EncodedDataset,
  type NumericField,
  type SkippedRows,
  type SplitName,
} from './types';
import { compareValues, parseNumber } from './values';

export const DEFAULT_MAX_VOCAB_PER_FIELD = 100_000;

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
  const ignore = mapping.ignore ?? [];
  for (const c of numeric) claim(c, 'numeric', 'data.numeric');
  for (const c of listedCategorical) claim(c, 'categorical', 'data.categorical');
  for (const c of ignore) claim(c, 'ignored', 'data.ignore');
  const categorical = listedCategorical.length > 0 ? listedCategorical : header.filter((h) => !roleOf.has(h));
  if (numeric.length + categorical.length === 0) {
    throw new DataError(
      'no feature columns: every column is the domain, a task source, the split or ignored',
    );
  }
  return {
    domain: mapping.domain,
    tasks: mapping.tasks.map((t) => t.column),
    numeric: numeric.slice(),
    categorical: categorical.slice(),
    ignore: ignore.slice(),
    split: mapping.split ?? null,
  };
}

/** Table rows with a domain, their domain ids and the sorted domain names. */
function encodeDomains(cells: readonly string[], column: string, fileRow: (r: number) => number) {
  const skipped: SkippedRows = { count: 0, examples: [] };
  const kept = new Int32Array(cells.length);
  const values: string[] = new Array(cells.length);
  let n = 0;
  for (let r = 0; r < cells.length; r++) {
    const v = cells[r].trim();
    if (v === '') noteSkipped(skipped, fileRow(r), `no value in the domain column "${column}"`);
    else {
      values[n] = v;
      kept[n++] = r;
    }
  }
  if (n === 0) throw new DataError(`the domain column "${column}" is blank in every row`, column);
  // All rows, not just train: the domains are a fixed set the model is built for.
  const domains = [...new Set(values.slice(0, n))].sort(compareValues);
  if (domains.length === 1) {
    throw new DataError(
      `the domain column "${column}" holds the single value "${domains[0]}": a multi-domain model needs at least two`,
      column,
    );
  }
  const ids = new Map(domains.map((d, i) => [d, i]));
  const domain = new Int32Array(n);
  for (let k = 0; k < n; k++) domain[k] = ids.get(values[k])!;
  return { kept: kept.slice(0, n), domains, domain, skipped };
}

function encodeCategorical(
  cells: readonly string[],
  column: string,
  kept: Int32Array,
  train: Int32Array,
  offset: number,
  maxVocab: number,
  out: Int32Array,
  field: number,
  numFields: number,
): CategoricalField {
  // Per-cell work is a Map lookup by the raw string only (the parser shares repeated strings, so these compare
  // by reference); trimming and sorting happen once per distinct value.
  const slotOf = new Map<string, number>();
  const slotCounts: number[] = [];
  for (let i = 0; i < train.length; i++) {
    const cell = cells[kept[train[i]]];
    const slot = slotOf.get(cell);
    if (slot !== undefined) slotCounts[slot]++;
    else {
      slotOf.set(cell, slotCounts.length);
      slotCounts.push(1);
    }
  }
  const counts = new Map<string, number>();
  for (const [cell, slot] of slotOf) {
    const v = cell.trim();
    if (v !== '') counts.set(v, (counts.get(v) ?? 0) + slotCounts[slot]);
  }
  const vocab = [...counts]
    .sort((a, b) => b[1] - a[1] || compareValues(a[0], b[0]))
    .slice(0, maxVocab)
    .map(([v]) => v);
  const ids = new Map(vocab.map((v, i) => [v, offset + 1 + i]));
  const idOfCell = new Map<string, number>();
  for (let k = 0; k < kept.length; k++) {
    const cell = cells[kept[k]];
    let id = idOfCell.get(cell);
    if (id === undefined) {
      // Blank, unseen in train and capped-off values all take the field's id 0.
      id = ids.get(cell.trim()) ?? offset;
      idOfCell.set(cell, id);
    }
    out[k * numFields + field] = id;
  }
  return { column, vocab, offset, size: vocab.length + 1 };
}

function encodeNumeric(
  cells: readonly string[],
  column: string,
  kept: Int32Array,
  train: Int32Array,
  fileRow: (r: number) => number,
  out: Float32Array,
  field: number,
  numFields: number,
): NumericField {
  const n = kept.length;
  const x = new Float64Array(n);
  let filled = 0;
  let bad = 0;
  let firstBad = -1;
  for (let k = 0; k < n; k++) {
    const cell = cells[kept[k]];
    x[k] = parseNumber(cell);
    if (!Number.isNaN(x[k])) filled++;
    else if (cell.trim() !== '') {
      filled++;
      bad++;
      if (firstBad < 0) firstBad = k;
    }
  }
  if (bad > 0 && bad * 2 >= filled) {
    const row = fileRow(kept[firstBad]);
    throw new DataError(
      `numeric column "${column}" mostly does not hold numbers: ${bad} of ${filled} filled cells are not ` +
        `numbers, the first in row ${row} ("${cells[kept[firstBad]]}"); map it as categorical?`,
      column,
      row,
    );
  }
  let count = 0;
  let sum = 0;
  for (let i = 0; i < train.length; i++) {
    const v = x[train[i]];
    if (!Number.isNaN(v)) {
      count++;
      sum += v;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (let i = 0; i < train.length; i++) {
    const v = x[train[i]];
    if (!Number.isNaN(v)) sq += (v - mean) * (v - mean);
  }
  const sd = count > 0 ? Math.sqrt(sq / count) : 0;
  // A constant column would divide by zero; it carries no signal, so it just becomes 0.
  const std = sd > 0 ? sd : 1;
  for (let k = 0; k < n; k++) out[k * numFields + field] = Number.isNaN(x[k]) ? 0 : (x[k] - mean) / std;
  return { column, mean, std };
}

function compileRule(name: string, column: string, rule: string): LabelRule {
  try {
    return parseRule(rule);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`task "${name}": ${err.message}`, column);
    throw err;
  }
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

  const { kept, domains, domain, skipped } = encodeDomains(cellsOf(roles.domain), roles.domain, fileRow);
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

  const numCat = roles.categorical.length;
  const cat = new Int32Array(n * numCat);
  const categorical: CategoricalField[] = [];
  let vocabSize = 0;
  roles.categorical.forEach((column, f) => {
    const field = encodeCategorical(
      cellsOf(column),
      column,
      kept,
      train,
      vocabSize,
      maxVocab,
      cat,
      f,
      numCat,
    );
    categorical.push(field);
    vocabSize += field.size;
  });
  // An id past the table would not fail on WebGPU: gather silently reads 0 there.
  for (let i = 0; i < cat.length; i++) {
    if (cat[i] < 0 || cat[i] >= vocabSize)
      throw new Error(`categorical id ${cat[i]} outside the table of ${vocabSize}`);
  }

  const numNum = roles.numeric.length;
  const num = new Float32Array(n * numNum);
  const numeric = roles.numeric.map((column, f) =>
    encodeNumeric(cellsOf(column), column, kept, train, fileRow, num, f, numNum),
  );

  const numTasks = mapping.tasks.length;
  const labels = new Float32Array(n * numTasks);
  const labelMask = new Uint8Array(n * numTasks);
  mapping.tasks.forEach((task, t) => {
    const rule = compileRule(task.name, task.column, task.rule);
    const cells = cellsOf(task.column);
    const outcomeOf = new Map<string, LabelOutcome>();
    for (let k = 0; k < n; k++) {
      const cell = cells[kept[k]];
      let y = outcomeOf.get(cell);
      if (y === undefined) {
        y = rule.apply(cell);
        outcomeOf.set(cell, y);
      }
      if (y === LABEL_MISSING) continue;
      if (y === LABEL_INVALID) {
        const row = fileRow(kept[k]);
        throw new DataError(
          `task "${task.name}": row ${row} of column "${task.column}" holds "${cell}", which is not a number ` +
            `for the rule "${rule.text}"`,
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
        `task "${task.name}": column "${task.column}" is blank in every train row`,
        task.column,
      );
    }
    if (positives === 0 || positives === known) {
      throw new DataError(
        `task "${task.name}": column "${task.column}" is always ${positives === 0 ? 0 : 1} under rule ` +
          `"${rule.text}" in the train split, so there is nothing to learn`,
        task.column,
      );
    }
  });

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
