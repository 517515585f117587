/**
 * CSV text → dictionary-coded columns, streamed chunk by chunk.
 * The tokenizer keeps its state (open quote, partial field) across chunks, so a chunk boundary anywhere,
 * even inside a quoted field, costs nothing and the work stays linear in the input. (papaparse's chunked mode
 * re-parses a partial row from its start on every chunk: an unclosed quote makes it quadratic.)
 */
import { noteSkipped } from './skipped';
import { ColumnBuilder, type RawTable } from './table';
import { DataError, type SkippedRows } from './types';

export type { RawTable } from './table';

export interface CsvOptions {
  /** File name used in messages. */
  name?: string;
  /** Called after each chunk with the bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

const DELIMITERS = [',', '\t', ';', '|'];
/** Text read before the delimiter is guessed: enough for a header and a few dozen rows. */
const SNIFF_CHARS = 64 * 1024;
const SNIFF_ROWS = 50;

/** Position of the next `ch` at or after `from`, or the text's length when there is none. */
function indexOrEnd(text: string, ch: string, from: number): number {
  const at = text.indexOf(ch, from);
  return at < 0 ? text.length : at;
}

const QUOTE = 0x22;
const LF = 0x0a;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Inside a quoted field, just after a quote: either an escaped quote ("") or the closing one. */
const QUOTE_IN_QUOTED = 3;

/** A quoted field that the input ends inside. */
interface UnclosedQuote {
  /** File row the quote opened on. */
  row: number;
  /** Position of the field in its record (0-based). */
  field: number;
  /** The file's last row, read into the field. */
  lastRow: number;
}

/**
 * RFC 4180 tokenizer fed chunk by chunk. LF, CRLF and CR end a record; a quote opens a quoted field only at the
 * start of a field (elsewhere it is text, as in most exporters); text after a closing quote is kept.
 */
class Tokenizer {
  private readonly row: string[] = [];
  private field = '';
  private state = FIELD_START;
  /** The last chunk ended in CR: an LF starting the next one belongs to the same line end. */
  private skipLf = false;
  private line = 1;
  private rowLine = 1;
  /** Where the quoted field being read opened: its line and its position in the record. */
  private quoteLine = 0;
  private quoteField = 0;

  /** onRow gets the fields (an array reused for the next record) and the file row the record starts on. */
  constructor(
    private readonly delim: string,
    private readonly onRow: (fields: string[], fileRow: number) => void,
  ) {}

  push(text: string): void {
    const n = text.length;
    let i = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (n > 0 && text.charCodeAt(0) === LF) i = 1;
    }
    let state = this.state;
    let start = i;
    // Next delimiter, LF and CR at or after i (n: none left); indexOf outruns a loop over characters.
    let nextDelim = -1;
    let nextLf = -1;
    let nextCr = -1;
    while (i < n) {
      if (state === QUOTED) {
        const q = text.indexOf('"', i);
        this.countLines(text, i, q < 0 ? n : q);
        if (q < 0) break;
        this.field += text.slice(start, q);
        state = QUOTE_IN_QUOTED;
        i = q + 1;
        continue;
      }
      if (state === QUOTE_IN_QUOTED) {
        if (text.charCodeAt(i) === QUOTE) {
          this.field += '"';
          start = i + 1;
          state = QUOTED;
          i++;
          continue;
        }
        state = UNQUOTED;
        start = i;
      } else if (state === FIELD_START) {
        if (text.charCodeAt(i) === QUOTE) {
          state = QUOTED;
          this.quoteLine = this.line;
          this.quoteField = this.row.length;
          start = i + 1;
          i++;
          continue;
        }
        state = UNQUOTED;
        start = i;
      }
      if (nextDelim < i) nextDelim = indexOrEnd(text, this.delim, i);
      if (nextLf < i) nextLf = indexOrEnd(text, '\n', i);
      if (nextCr < i) nextCr = indexOrEnd(text, '\r', i);
      const end = Math.min(nextDelim, nextLf, nextCr);
      if (end === n) break;
      this.endField(text.slice(start, end));
      state = FIELD_START;
      i = end + 1;
      if (end === nextDelim) continue;
      this.endRow();
      if (end === nextCr) {
        if (i === n) this.skipLf = true;
        else if (text.charCodeAt(i) === LF) i++;
      }
      this.line++;
      this.rowLine = this.line;
    }
    if (state === UNQUOTED || state === QUOTED) this.field += text.slice(start);
    this.state = state;
  }

  private countLines(text: string, from: number, to: number): void {
    for (let j = text.indexOf('\n', from); j >= 0 && j < to; j = text.indexOf('\n', j + 1)) this.line++;
  }

  /**
   * Flushes the last record. A quoted field still open at the end of the input has swallowed the rest of the
   * file: nothing is emitted, and where the quote opened (file row, field of the record) and the last line are
   * returned instead.
   */
  end(): UnclosedQuote | null {
    // A final line end belongs to the last row; it does not start another.
    const lastRow = this.line - (this.field.endsWith('\n') ? 1 : 0);
    const open: UnclosedQuote | null =
      this.state === QUOTED ? { row: this.quoteLine, field: this.quoteField, lastRow } : null;
    if (open === null && (this.state !== FIELD_START || this.row.length > 0)) {
      this.endField('');
      this.endRow();
    }
    this.state = FIELD_START;
    this.row.length = 0;
    this.field = '';
    return open;
  }

  private endField(tail: string): void {
    this.row.push(this.field + tail);
    this.field = '';
  }

  private endRow(): void {
    this.onRow(this.row, this.rowLine);
    this.row.length = 0;
  }
}

function isBlank(fields: string[]): boolean {
  return fields.length === 1 && fields[0].trim() === '';
}

/** The delimiter that splits the sample's header into most fields while splitting its rows alike. */
function sniffDelimiter(sample: string): string {
  let best = DELIMITERS[0];
  let bestScore = -1;
  for (const delim of DELIMITERS) {
    const counts: number[] = [];
    const tok = new Tokenizer(delim, (fields) => {
      if (counts.length <= SNIFF_ROWS && !isBlank(fields)) counts.push(fields.length);
    });
    // Only records ended by a newline count: the sample may stop in the middle of one.
    tok.push(sample);
    if (counts.length === 0) tok.end();
    const fields = counts[0];
    if (!(fields >= 2)) continue;
    const rows = counts.length - 1;
    const consistent = rows === 0 ? 1 : counts.slice(1).filter((c) => c === fields).length / rows;
    // Consistency first, then more fields; DELIMITERS order breaks ties.
    const score = consistent * 1e6 + fields;
    if (score > bestScore) {
      best = delim;
      bestScore = score;
    }
  }
  return best;
}

function fileLabel(name: string | undefined): string {
  return name ? `File "${name}"` : 'The file';
}

const DELIMITER_NAMES: Record<string, string> = {
  ',': 'commas',
  '\t': 'tabs',
  ';': 'semicolons',
  '|': 'pipes',
};

/** The delimiter a file name promises (".tsv" tabs, ".csv" commas, a ".gz" suffix aside), or null. */
function delimiterOfName(name: string | undefined): { ext: string; delim: string } | null {
  const ext = /\.(csv|tsv|tab)(?:\.gz)?$/i.exec(name ?? '')?.[1].toLowerCase();
  if (ext === undefined) return null;
  return { ext, delim: ext === 'csv' ? ',' : '\t' };
}

/** Assembles records into columns: the first non-blank record is the header, blank lines are ignored. */
class TableBuilder {
  private header: string[] | null = null;
  private columns: ColumnBuilder[] = [];
  private readonly fileRows: number[] = [];
  private readonly skipped: SkippedRows = { count: 0, examples: [] };
  readonly notes: string[] = [];

  constructor(
    private readonly label: string,
    /** Appended to the single-column message: what the file name promised. */
    private readonly nameHint: string,
  ) {}

  readonly onRow = (fields: string[], fileRow: number): void => {
    if (isBlank(fields)) return;
    if (this.header === null) {
      this.setHeader(fields);
      return;
    }
    const cols = this.columns;
    if (fields.length !== cols.length) {
      noteSkipped(this.skipped, fileRow, `expected ${cols.length} fields, found ${fields.length}`);
      return;
    }
    for (let c = 0; c < cols.length; c++) cols[c].push(fields[c]);
    this.fileRows.push(fileRow);
  };

  finish(): RawTable {
    if (this.header === null) throw new DataError(`${this.label} is empty`);
    const numRows = this.fileRows.length;
    if (numRows === 0) {
      if (this.skipped.count === 0) throw new DataError(`${this.label} has a header but no data rows`);
      const first = this.skipped.examples[0];
      throw new DataError(
        `${this.label}: none of its ${this.skipped.count} data rows has the ${this.header.length} fields of the ` +
          `header (row ${first.row}: ${first.reason})`,
        undefined,
        first.row,
      );
    }
    return {
      header: this.header,
      columns: this.columns.map((c) => c.finish()),
      numRows,
      fileRows: Int32Array.from(this.fileRows),
      skipped: this.skipped,
      notes: this.notes,
    };
  }

  /** The rest of the file read into one field is an error: it would silently lose every row after it. */
  unclosedQuote({ row, field, lastRow }: UnclosedQuote): never {
    const column = this.header?.[field];
    const where = column === undefined ? '' : ` (column "${column}")`;
    const rest = lastRow > row ? `, so rows ${row}–${lastRow} were read into that one field` : '';
    throw new DataError(
      `${this.label}: a quoted field opened in row ${row}${where} is never closed${rest}; close the quote or ` +
        `double it ("") inside the field`,
      column,
      row,
    );
  }

  private setHeader(fields: string[]): void {
    const header = fields.map((f) => f.trim());
    if (header.length === 1) {
      const shown = header[0].length > 60 ? `${header[0].slice(0, 60)}…` : header[0];
      throw new DataError(
        `${this.label} has a single column: no comma, tab, semicolon or pipe splits its header "${shown}"` +
          `${this.nameHint}; a mapping needs a domain, a task and a feature column`,
        undefined,
        1,
      );
    }
    const seen = new Set<string>();
    const dup = new Set<string>();
    for (const h of header) (seen.has(h) ? dup : seen).add(h);
    if (dup.size > 0) {
      const names = [...dup].map((h) => `"${h}"`).join(', ');
      throw new DataError(`${this.label}: the header names ${names} more than once`, [...dup][0], 1);
    }
    this.header = header;
    this.columns = header.map(() => new ColumnBuilder());
  }
}

/** Feeds text into a table, guessing the delimiter once enough text has arrived. */
class CsvReader {
  private builder: TableBuilder | null = null;
  private tokenizer: Tokenizer | null = null;
  private pending = '';
  private started = false;

  constructor(private readonly name: string | undefined) {}

  push(text: string): void {
    if (!this.started) {
      text = text.replace(/^\uFEFF/, '');
      this.started = text.length > 0;
    }
    if (this.tokenizer) {
      this.tokenizer.push(text);
      return;
    }
    this.pending += text;
    if (this.pending.length >= SNIFF_CHARS) this.startTokenizer();
  }

  finish(): RawTable {
    if (!this.tokenizer) this.startTokenizer();
    const open = this.tokenizer!.end();
    if (open !== null) this.builder!.unclosedQuote(open);
    return this.builder!.finish();
  }

  private startTokenizer(): void {
    const delim = sniffDelimiter(this.pending);
    const named = delimiterOfName(this.name);
    const differs = named !== null && named.delim !== delim;
    const hint = differs ? ` (its .${named.ext} name promises ${DELIMITER_NAMES[named.delim]})` : '';
    this.builder = new TableBuilder(fileLabel(this.name), hint);
    if (differs) {
      this.builder.notes.push(
        `${fileLabel(this.name)} has a .${named.ext} name, but its fields are separated by ` +
          `${DELIMITER_NAMES[delim]} ("${delim === '\t' ? '\\t' : delim}"): it was read with those`,
      );
    }
    const tok = new Tokenizer(delim, this.builder.onRow);
    tok.push(this.pending);
    this.pending = '';
    this.tokenizer = tok;
  }
}

/** Parses CSV text held in memory. */
export function parseCsv(text: string, opts: CsvOptions = {}): RawTable {
  opts.signal?.throwIfAborted();
  const reader = new CsvReader(opts.name);
  reader.push(text);
  return reader.finish();
}

function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let at = bytes.indexOf(LF); at >= 0 && at < end; at = bytes.indexOf(LF, at + 1)) n++;
  return n;
}

/**
 * Offset of the first byte the platform's strict decoder rejects: the shortest prefix that fails ends with it.
 * Leading continuation bytes belong to a character begun in the previous chunk and are skipped.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  let from = 0;
  while (from < 3 && from < bytes.length && (bytes[from] & 0xc0) === 0x80) from++;
  const fails = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(from, end), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  if (!fails(bytes.length)) return bytes.length;
  let lo = from;
  let hi = bytes.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** Parses a UTF-8 CSV byte stream chunk by chunk; bytes are decoded incrementally. */
export async function parseCsvStream(
  stream: ReadableStream<Uint8Array>,
  opts: CsvOptions = {},
): Promise<RawTable> {
  const { signal, onProgress } = opts;
  const reader = stream.getReader();
  // Fatal: a Latin-1 or UTF-16 file would otherwise load with its accents silently replaced by U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const csv = new CsvReader(opts.name);
  let bytesRead = 0;
  let linesBefore = 0;
  const notUtf8 = (lines: number) =>
    new DataError(
      `${fileLabel(opts.name)} is not UTF-8 text (invalid byte at about row ${lines + 1}); re-save it as UTF-8`,
      undefined,
      lines + 1,
    );
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      bytesRead += value.byteLength;
      let text: string;
      try {
        text = decoder.decode(value, { stream: true });
      } catch {
        throw notUtf8(linesBefore + countNewlines(value, firstInvalidByte(value)));
      }
      linesBefore += countNewlines(value);
      csv.push(text);
      onProgress?.(bytesRead);
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      // The file ends inside a multi-byte character.
      throw notUtf8(linesBefore);
    }
    csv.push(rest);
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
  return csv.finish();
}
