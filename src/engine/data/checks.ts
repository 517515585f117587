/**
 * What a dataset holds and what is wrong with it, computed before training: the dataset panel shows the
 * counts, and each issue names the cell or column at fault so that nobody trains on a cell that cannot be
 * learnt or read a metric that cannot be measured.
 */
import { cellStats } from './encode';
import { leakText } from './leakage';
import { SPLITS, type EncodedDataset, type SkippedRows, type SplitName } from './types';

/** Fewer positives or negatives than this in a valid or test cell leave its AUC mostly noise. */
export const MIN_CLASS_ROWS_FOR_AUC = 10;
/** A categorical column with more distinct values than this share of its rows is an id, not a category. */
export const MAX_DISTINCT_SHARE = 0.5;

export interface CellReport {
  /** Rows whose label is known. */
  labelled: number;
  positives: number;
  /** positives / labelled; null without labelled rows. */
  positiveRate: number | null;
}

export interface FieldReport {
  column: string;
  kind: 'categorical' | 'hashed';
  /** Rows of the field in the embedding table, its out-of-vocabulary or missing slot included. */
  size: number;
  /** Distinct non-blank values over all rows. */
  distinct: number;
  /** Whether maxVocabPerField left train values out; they and values unseen in train share the OOV id. */
  capped: boolean;
  cappedValues: number;
  /** Non-blank cells encoded as out of vocabulary. */
  oovRows: number;
}

export interface DataIssue {
  /** error: the model cannot learn or measure what is named; warning: it can, but poorly. */
  level: 'error' | 'warning';
  message: string;
  column?: string;
  domain?: string;
  task?: string;
}

export interface DataReport {
  numRows: number;
  /** Domain and task names, in the order of the counts below. */
  domains: string[];
  tasks: string[];
  /** Rows of each domain (in schema order) in each split. */
  domainRows: Record<SplitName, number[]>;
  /** [domain][task] label counts of each split. */
  cells: Record<SplitName, CellReport[][]>;
  fields: FieldReport[];
  /** Per feature or task source column: missing cells as the column's role reads them (values.ts isMissingCell). */
  missing: Record<string, number>;
  skipped: SkippedRows;
  issues: DataIssue[];
}

const SHOWN_SKIPPED = 3;

function skippedIssue(skipped: SkippedRows): DataIssue {
  const shown = skipped.examples
    .slice(0, SHOWN_SKIPPED)
    .map((e) => `row ${e.row} (${e.reason})`)
    .join(', ');
  const more = skipped.count > SHOWN_SKIPPED ? ', …' : '';
  const rows = skipped.count === 1 ? '1 row of the file was' : `${skipped.count} rows of the file were`;
  return { level: 'warning', message: `${rows} skipped: ${shown}${more}` };
}

function cellIssues(ds: EncodedDataset, cells: Record<SplitName, CellReport[][]>): DataIssue[] {
  const issues: DataIssue[] = [];
  const { domains, tasks } = ds.schema;
  domains.forEach((domain, d) => {
    tasks.forEach(({ name: task }, t) => {
      const where = `domain "${domain}", task "${task}"`;
      const train = cells.train[d][t];
      const trainNegatives = train.labelled - train.positives;
      if (train.positives === 0 || trainNegatives === 0) {
        const none = train.positives === 0 ? 'positive' : 'negative';
        issues.push({
          level: 'error',
          message: `${where}: no ${none} labels in the train split (${train.labelled} labelled rows), so the model cannot learn this cell`,
          domain,
          task,
        });
      }
      for (const split of ['valid', 'test'] as const) {
        const c = cells[split][d][t];
        const negatives = c.labelled - c.positives;
        if (c.positives >= MIN_CLASS_ROWS_FOR_AUC && negatives >= MIN_CLASS_ROWS_FOR_AUC) continue;
        issues.push({
          level: 'warning',
          message:
            `${where}: the ${split} split holds ${c.positives} positives and ${negatives} negatives, too small to ` +
            `measure AUC (${MIN_CLASS_ROWS_FOR_AUC} of each at least)`,
          domain,
          task,
        });
      }
    });
  });
  return issues;
}

function fieldIssue(field: FieldReport, numRows: number): DataIssue | null {
  if (field.kind !== 'categorical') return null;
  const { column, distinct } = field;
  const advice = `map it as hashed (data.hashed) or ignore it`;
  if (field.capped) {
    return {
      level: 'warning',
      message:
        `categorical column "${column}" has more distinct train values than the vocabulary cap of ${field.size - 1}: ` +
        `${field.cappedValues} values are left out and ${field.oovRows} rows share the out-of-vocabulary id; ${advice}`,
      column,
    };
  }
  if (distinct > MAX_DISTINCT_SHARE * numRows) {
    return {
      level: 'warning',
      message:
        `categorical column "${column}" has ${distinct} distinct values in ${numRows} rows, more than half: ` +
        `most values are seen too rarely to learn; ${advice}`,
      column,
    };
  }
  return null;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** What the encoder read differently from the file's cells: leaks, labels left out, values imputed, case slips. */
function encodingIssues(ds: EncodedDataset): DataIssue[] {
  const issues: DataIssue[] = ds.leaks.map((leak) => ({
    level: 'error',
    message:
      `${leakText(leak)}. As a feature it gives the label away and every metric would be meaningless: ignore ` +
      `the column`,
    column: leak.column,
    task: leak.task,
  }));
  for (const m of ds.caseMismatches) {
    const variants = m.variants.map((v) => `"${v.value}" (${fmt(v.count)} rows)`).join(', ');
    issues.push({
      level: 'warning',
      message:
        `task "${m.task}": rule "${m.rule}" matches ${fmt(m.exactRows)} train rows of column "${m.column}" holding ` +
        `"${m.value}", but ${variants} differ from it only by case and are labelled ${m.label}; list every ` +
        `spelling (in {…}) if they mean the same`,
      column: m.column,
      task: m.task,
    });
  }
  for (const { name, column } of ds.schema.tasks) {
    const missing = ds.missing[column];
    if (missing === 0) continue;
    issues.push({
      level: 'warning',
      message:
        `task "${name}": ${fmt(missing)} rows have no label in column "${column}" (blank, NA, N/A, null, NaN, ` +
        `None or ?): they are left out of its loss and metrics`,
      column,
      task: name,
    });
  }
  for (const { column, mean } of ds.schema.numeric) {
    const missing = ds.missing[column];
    const bad = ds.unparseable[column];
    if (missing === 0 && bad === undefined) continue;
    const parts = [];
    if (missing > 0) parts.push(`${fmt(missing)} missing cells (blank, NA, null, …)`);
    if (bad) {
      const [first, ...more] = bad.examples.map((v) => `"${v}"`);
      const also = more.length > 0 ? `, ${more.join(', ')}` : '';
      const etc = bad.cells > bad.examples.length ? ', …' : '';
      parts.push(
        `${fmt(bad.cells)} cells that are not decimal numbers (${first} in row ${bad.firstRow}${also}${etc})`,
      );
    }
    issues.push({
      level: 'warning',
      message: `numeric column "${column}": ${parts.join(' and ')} were imputed with the train mean (${Number(mean.toPrecision(6))})`,
      column,
    });
  }
  return issues;
}

export function dataReport(ds: EncodedDataset): DataReport {
  const { schema } = ds;
  const cells = {} as Record<SplitName, CellReport[][]>;
  const domainRows = {} as Record<SplitName, number[]>;
  for (const split of SPLITS) {
    cells[split] = cellStats(ds, split).map((row) =>
      row.map(({ rows, positives }) => ({
        labelled: rows,
        positives,
        positiveRate: rows > 0 ? positives / rows : null,
      })),
    );
    const counts = new Array<number>(schema.domains.length).fill(0);
    for (const r of ds.splits[split]) counts[ds.domain[r]]++;
    domainRows[split] = counts;
  }

  const fields: FieldReport[] = schema.categorical.map((f) => {
    const counts = ds.fieldCounts[f.column];
    return {
      column: f.column,
      kind: f.hashBuckets === undefined ? 'categorical' : 'hashed',
      size: f.size,
      distinct: counts.distinct,
      capped: counts.cappedValues > 0,
      cappedValues: counts.cappedValues,
      oovRows: counts.oovRows,
    };
  });

  const issues: DataIssue[] = ds.notes.map((message) => ({ level: 'warning', message }));
  if (ds.skipped.count > 0) issues.push(skippedIssue(ds.skipped));
  if (schema.domains.length === 1) {
    issues.push({
      level: 'warning',
      message:
        `the domain column "${schema.domainColumn}" holds the single value "${schema.domains[0]}": domain routing ` +
        `has nothing to learn`,
      column: schema.domainColumn,
    });
  }
  issues.push(...cellIssues(ds, cells), ...encodingIssues(ds));
  for (const f of fields) {
    const issue = fieldIssue(f, ds.numRows);
    if (issue) issues.push(issue);
  }
  return {
    numRows: ds.numRows,
    domains: schema.domains.slice(),
    tasks: schema.tasks.map((t) => t.name),
    domainRows,
    cells,
    fields,
    missing: { ...ds.missing },
    skipped: ds.skipped,
    issues,
  };
}
