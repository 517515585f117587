/**
 * A parsed file as dictionary-coded columns: each column keeps its distinct cell texts once and one Int32 code
 * per row. A million-row, forty-column upload is then 160 MB of codes plus the distinct values, not forty
 * million JS strings (each ~30 bytes of heap), and every later pass (profiling, vocabularies, rules, numbers)
 * works once per distinct value instead of once per cell.
 */
import type { SkippedRows } from './types';

export interface TableColumn {
  /** Distinct cell texts, in order of first appearance. */
  values: string[];
  /** codes[r] indexes `values` for table row r; exactly numRows long. */
  codes: Int32Array;
}

/** The cells of a CSV file, one dictionary-coded column per header name. */
export interface RawTable {
  /** Column names, trimmed. */
  header: string[];
  columns: TableColumn[];
  numRows: number;
  /** File row (1-based, header = row 1) of each table row; without it table row r is file row r + 2. */
  fileRows?: Int32Array;
  skipped: SkippedRows;
  /** What the reader noticed but could work around (a delimiter the file name did not promise). */
  notes: string[];
}

/** V8 copies a shorter substring; a longer one is a view that keeps its whole parent string alive. */
const MIN_VIEW_LENGTH = 13;

/** Grows one column row by row, interning each cell. */
export class ColumnBuilder {
  private readonly index = new Map<string, number>();
  private readonly values: string[] = [];
  private codes = new Int32Array(1024);
  private length = 0;

  push(cell: string): void {
    let code = this.index.get(cell);
    if (code === undefined) {
      // A cell cut from a 64 KiB chunk of text would keep the chunk alive, so one column of ids holds the whole
      // file (300k rows × 40 columns with one: table 145 MB of heap, 74 MB with this copy). The JSON round trip
      // is the cheapest flat copy measured (~0.7 µs per new value; (' ' + s).slice(1) is still a view).
      const own = cell.length >= MIN_VIEW_LENGTH ? (JSON.parse(JSON.stringify(cell)) as string) : cell;
      code = this.values.length;
      this.index.set(own, code);
      this.values.push(own);
    }
    if (this.length === this.codes.length) {
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = code;
  }

  finish(): TableColumn {
    return { values: this.values, codes: this.codes.slice(0, this.length) };
  }
}

export function columnOf(cells: readonly string[]): TableColumn {
  const b = new ColumnBuilder();
  for (const c of cells) b.push(c);
  return b.finish();
}

export function cellAt(column: TableColumn, row: number): string {
  return column.values[column.codes[row]];
}

/** A table from rows of cells (tests, small fixtures); every row must have header.length cells. */
export function tableOf(header: string[], rows: readonly string[][]): RawTable {
  return {
    header,
    columns: header.map((_, c) => columnOf(rows.map((r) => r[c]))),
    numRows: rows.length,
    skipped: { count: 0, examples: [] },
    notes: [],
  };
}
