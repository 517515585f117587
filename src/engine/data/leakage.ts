/**
 * Label leakage: a feature column that determines a task's label on the train split, so that a model reads the
 * answer instead of learning it (a `rating` column beside `y_click = rating > 3` gives a click AUC of 0.99 in a few
 * steps). Two shapes are caught: every value of the column has a single label (with enough rows per value that
 * it is not a per-row id matching anything), or one threshold on its numbers splits the labels. The proposal
 * keeps such columns out of the features, and Check data calls one an error.
 */
import type { TableColumn } from './table';
import { compareValues, isMissingCell, parseNumber } from './values';

/** Fewer labelled rows than this of either label where the column has a value, and agreement may be chance. */
export const MIN_LEAK_CLASS_ROWS = 10;
/** A column's values must hold this many labelled rows each on average: any per-row id "determines" a label. */
export const MIN_LEAK_ROWS_PER_VALUE = 10;

export interface Leak {
  column: string;
  task: string;
  /** Each value of the column has a single label, or one threshold on its numbers splits the labels. */
  kind: 'values' | 'threshold';
  /** Labelled train rows where the column has a value. */
  rows: number;
  /** What the column does to the label, in words: "each of its 5 values has a single label (4, 5 → 1; …)". */
  how: string;
}

/** A task's label of each examined row: 1, 0, or -1 where it is missing. */
export interface LeakTask {
  name: string;
  labels: Int8Array;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const SHOWN_VALUES = 5;

/** The words of a leak for a message: `column "rating" determines task "click" on the train split: …`. */
export function leakText(leak: Leak): string {
  return `column "${leak.column}" determines task "${leak.task}" on the train split: ${leak.how}`;
}

function listed(values: string[]): string {
  const shown = values.slice(0, SHOWN_VALUES).join(', ');
  return values.length > SHOWN_VALUES ? `${shown}, … (${values.length})` : shown;
}

/** The column's cells grouped by trimmed text (a blank cell: no group), with each group's number if it has one. */
function groupsOf(cells: TableColumn) {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const groupOfCode = new Int32Array(cells.values.length);
  cells.values.forEach((cell, c) => {
    // A category's reading of "missing": markers such as "none" are values here.
    if (isMissingCell(cell, 'category')) {
      groupOfCode[c] = -1;
      return;
    }
    const v = cell.trim();
    let g = ids.get(v);
    if (g === undefined) {
      g = names.length;
      ids.set(v, g);
      names.push(v);
    }
    groupOfCode[c] = g;
  });
  return { names, groupOfCode, numberOf: Float64Array.from(names, parseNumber) };
}

/** How often rows are scanned between checks that both tests have already failed. */
const CHECK_EVERY = 1024;

function columnLeak(
  column: string,
  cells: TableColumn,
  groups: ReturnType<typeof groupsOf>,
  rows: ArrayLike<number>,
  task: LeakTask,
): Leak | null {
  const { names, groupOfCode, numberOf } = groups;
  // Bit 1: a negative seen with this value, bit 2: a positive.
  const seen = new Uint8Array(names.length);
  const classRows = [0, 0];
  let valuesHold = true;
  const numberRows = [0, 0];
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  let thresholdHolds = true;
  for (let k = 0; k < rows.length; k++) {
    if (k % CHECK_EVERY === 0 && !valuesHold && !thresholdHolds) return null;
    const y = task.labels[k];
    if (y < 0) continue;
    const g = groupOfCode[cells.codes[rows[k]]];
    if (g < 0) continue;
    classRows[y]++;
    seen[g] |= 1 << y;
    if (seen[g] === 3) valuesHold = false;
    const x = numberOf[g];
    if (thresholdHolds && !Number.isNaN(x)) {
      numberRows[y]++;
      if (x < lo[y]) lo[y] = x;
      if (x > hi[y]) hi[y] = x;
      // The labels overlap on the number line once each one reaches past the other's nearest bound.
      if (numberRows[0] > 0 && numberRows[1] > 0 && !(hi[0] < lo[1]) && !(hi[1] < lo[0]))
        thresholdHolds = false;
    }
  }
  const enough = (counts: number[]) => counts[0] >= MIN_LEAK_CLASS_ROWS && counts[1] >= MIN_LEAK_CLASS_ROWS;
  if (thresholdHolds && enough(numberRows)) {
    const rowsOf = numberRows[0] + numberRows[1];
    const upper = hi[0] < lo[1] ? 1 : 0;
    const lower = 1 - upper;
    return {
      column,
      task: task.name,
      kind: 'threshold',
      rows: rowsOf,
      how:
        `every row with ${column} ≥ ${lo[upper]} has label ${upper} and every row with ${column} ≤ ${hi[lower]} ` +
        `label ${lower} (${fmt(rowsOf)} labelled rows)`,
    };
  }
  const used = seen.reduce((n, s) => n + (s > 0 ? 1 : 0), 0);
  const total = classRows[0] + classRows[1];
  if (valuesHold && enough(classRows) && total >= MIN_LEAK_ROWS_PER_VALUE * used) {
    const side = (bit: number) =>
      listed(
        names
          .filter((_, g) => seen[g] === bit)
          .sort(compareValues)
          .map((v) => `"${v}"`),
      );
    return {
      column,
      task: task.name,
      kind: 'values',
      rows: total,
      how:
        `each of its ${fmt(used)} values has a single label (${side(2)} → 1; ${side(1)} → 0) over ` +
        `${fmt(total)} labelled rows`,
    };
  }
  return null;
}

/**
 * The feature columns that determine a task's label on the given rows (the train split), one leak per column
 * and task. Each task's labels are aligned with `rows`, table row indices of the columns' codes.
 */
export function findLeaks(
  features: readonly { column: string; cells: TableColumn }[],
  rows: ArrayLike<number>,
  tasks: readonly LeakTask[],
): Leak[] {
  const leaks: Leak[] = [];
  for (const { column, cells } of features) {
    const groups = groupsOf(cells);
    for (const task of tasks) {
      const leak = columnLeak(column, cells, groups, rows, task);
      if (leak) leaks.push(leak);
    }
  }
  return leaks;
}
