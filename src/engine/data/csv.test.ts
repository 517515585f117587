import { describe, expect, it } from 'vitest';
import { dataError } from '../testing/errors';
import { Rng } from '../util/rng';
import { parseCsv, parseCsvStream, type RawTable } from './csv';
import { cellAt } from './table';
import { DataError } from './types';

const utf8 = new TextEncoder();

/** A stream handing out the bytes in pieces cut at the given positions. */
function streamOf(bytes: Uint8Array, cuts: number[] = []): ReadableStream<Uint8Array> {
  const bounds = [0, ...cuts, bytes.length];
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i + 1 >= bounds.length) controller.close();
      else {
        controller.enqueue(bytes.slice(bounds[i], bounds[i + 1]));
        i++;
      }
    },
  });
}

/** Each column's cells, decoded. */
function cells(t: RawTable): string[][] {
  return t.columns.map((c) => Array.from(c.codes, (code) => c.values[code]));
}

function rows(t: RawTable): string[][] {
  return Array.from({ length: t.numRows }, (_, r) => t.columns.map((c) => cellAt(c, r)));
}

describe('parseCsv', () => {
  it('returns columns of strings with the header trimmed', () => {
    const t = parseCsv(' a , b\n1,x\n2,y\n');
    expect(t.header).toEqual(['a', 'b']);
    expect(cells(t)).toEqual([
      ['1', '2'],
      ['x', 'y'],
    ]);
    expect(t.numRows).toBe(2);
    expect(Array.from(t.fileRows!)).toEqual([2, 3]);
    expect(t.skipped).toEqual({ count: 0, examples: [] });
  });

  it('strips a byte order mark from the first header name', () => {
    const t = parseCsv('\uFEFFid,v\n1,2\n');
    expect(t.header).toEqual(['id', 'v']);
  });

  it('reads CRLF and lone CR line ends without leaving \\r in cells', () => {
    expect(rows(parseCsv('a,b\r\n1,2\r\n3,4\r\n'))).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(rows(parseCsv('a,b\r1,2\r3,4'))).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('reads quoted fields holding delimiters, newlines and doubled quotes', () => {
    const t = parseCsv('name,note\n"Smith, J","line one\nline two"\n"say ""hi""",""\nlast,x\n');
    expect(rows(t)).toEqual([
      ['Smith, J', 'line one\nline two'],
      ['say "hi"', ''],
      ['last', 'x'],
    ]);
    // The quoted newline makes the last record start on line 5.
    expect(Array.from(t.fileRows!)).toEqual([2, 4, 5]);
  });

  it('guesses tab, semicolon and pipe delimiters', () => {
    expect(cells(parseCsv('a\tb\tc\n1\t2,5\t3\n'))).toEqual([['1'], ['2,5'], ['3']]);
    expect(cells(parseCsv('a;b\n"1;0";2,5\n3;4\n'))).toEqual([
      ['1;0', '3'],
      ['2,5', '4'],
    ]);
    expect(parseCsv('a|b\n1|2\n').header).toEqual(['a', 'b']);
  });

  it('prefers the delimiter that splits every row alike', () => {
    // Commas appear in the header, but only semicolons split the rows consistently.
    const text = 'x,y;z\n' + Array.from({ length: 10 }, (_, i) => `${i};${i},${i},${i}`).join('\n');
    expect(parseCsv(text).header).toEqual(['x,y', 'z']);
  });

  it('skips rows with the wrong number of fields, counting them with 1-based file rows', () => {
    const t = parseCsv('a,b\n1,2\n3\n4,5,6\n7,8\n');
    expect(rows(t)).toEqual([
      ['1', '2'],
      ['7', '8'],
    ]);
    expect(t.skipped).toEqual({
      count: 2,
      examples: [
        { row: 3, reason: 'expected 2 fields, found 1' },
        { row: 4, reason: 'expected 2 fields, found 3' },
      ],
    });
  });

  it('counts every skipped row but keeps only the first few as examples', () => {
    const text = 'a,b\n' + Array.from({ length: 25 }, (_, i) => (i % 2 ? `${i},${i}` : `${i}`)).join('\n');
    const t = parseCsv(text);
    expect(t.skipped.count).toBe(13);
    expect(t.skipped.examples.length).toBe(10);
    expect(t.skipped.examples[0].row).toBe(2);
  });

  it('ignores blank lines, trailing or not', () => {
    const t = parseCsv('a,b\n1,2\n\n3,4\n\n\n\r\n');
    expect(rows(t)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(t.skipped.count).toBe(0);
    expect(Array.from(t.fileRows!)).toEqual([2, 4]);
  });

  it('keeps an empty last field after a trailing delimiter', () => {
    expect(rows(parseCsv('a,b\n1,'))).toEqual([['1', '']]);
  });

  it('rejects an empty file, a header without rows and rows that never fit', () => {
    expect(dataError(() => parseCsv('', { name: 'x.csv' })).message).toBe('File "x.csv" is empty');
    expect(dataError(() => parseCsv('\n\n  \n')).message).toBe('The file is empty');
    expect(dataError(() => parseCsv('a,b\n')).message).toMatch(/has a header but no data rows/);
    const e = dataError(() => parseCsv('a,b\n1\n2\n'));
    expect(e.message).toMatch(/none of its 2 data rows has the 2 fields of the header/);
    expect(e.row).toBe(2);
  });

  it('names duplicate header names', () => {
    const e = dataError(() => parseCsv('a,b,a,c,b\n1,2,3,4,5\n'));
    expect(e.message).toMatch(/"a", "b" more than once/);
    expect(e.column).toBe('a');
  });

  it('refuses a quoted field that is never closed, naming the row and column it opened in', () => {
    const e = dataError(() => parseCsv('a,b\n1,2\n3,"4\n5,6\n7,8\n', { name: 'q.csv' }));
    expect(e.message).toBe(
      'File "q.csv": a quoted field opened in row 3 (column "b") is never closed, so rows 3–5 were read into ' +
        'that one field; close the quote or double it ("") inside the field',
    );
    expect([e.row, e.column]).toEqual([3, 'b']);
    // Opened on a later line of a record that a closed multi-line field began, without a final newline.
    const later = dataError(() => parseCsv('a,b,c\n"x\ny",2,"3\n4'));
    expect(later.message).toMatch(/opened in row 3 \(column "c"\) is never closed, so rows 3–4 were read/);
    expect(dataError(() => parseCsv('a,b\n1,"2')).message).toMatch(
      /opened in row 2 \(column "b"\) is never closed;/,
    );
    expect(dataError(() => parseCsv('"a,b\n1,2\n')).message).toMatch(/opened in row 1 is never closed/);
  });

  it('notes a delimiter other than the one the file name promises', () => {
    const semis = parseCsv('a;b\n1;2\n', { name: 'data.tsv' });
    expect(semis.header).toEqual(['a', 'b']);
    expect(semis.notes).toEqual([
      'File "data.tsv" has a .tsv name, but its fields are separated by semicolons (";"): it was read with those',
    ]);
    expect(parseCsv('a\tb\n1\t2\n', { name: 'x.CSV.gz' }).notes[0]).toMatch(
      /\.csv name, .* by tabs \("\\t"\)/,
    );
    expect(parseCsv('a\tb\n1\t2\n', { name: 'x.tsv' }).notes).toEqual([]);
    expect(parseCsv('a,b\n1,2\n', { name: 'x.txt' }).notes).toEqual([]);
  });

  it('rejects a file in which no delimiter splits the header, with what the name promised', () => {
    const e = dataError(() => parseCsv('a b c\n1 2 3\n', { name: 'x.tsv' }));
    expect(e.message).toBe(
      'File "x.tsv" has a single column: no comma, tab, semicolon or pipe splits its header "a b c" (its .tsv ' +
        'name promises tabs); a mapping needs a domain, a task and a feature column',
    );
    expect(e.row).toBe(1);
    expect(dataError(() => parseCsv('only\n1\n')).message).toMatch(
      /^The file has a single column: .* "only";/,
    );
  });

  it('stops when the signal is aborted', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => parseCsv('a,b\n1,2\n', { signal: ac.signal })).toThrow(/abort/i);
  });
});

describe('parseCsvStream', () => {
  const tricky = '\uFEFFname;note;n\r\n"Zoë; ""Z""";"日本\r\nline";1\r\nplain;x;2\r\n\r\n"a";"";3\r\n';

  it('gives the same table whatever the chunk boundaries, even inside characters, quotes and CRLF', async () => {
    const bytes = utf8.encode(tricky);
    const expected = parseCsv(tricky);
    expect(rows(expected)).toEqual([
      ['Zoë; "Z"', '日本\r\nline', '1'],
      ['plain', 'x', '2'],
      ['a', '', '3'],
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await parseCsvStream(streamOf(bytes, [cut]))).toEqual(expected);
    }
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(await parseCsvStream(streamOf(bytes, everyByte))).toEqual(expected);
  });

  it('reads a file larger than the sample used to guess the delimiter', async () => {
    const lines = ['id\tvalue'];
    for (let i = 0; i < 20000; i++) lines.push(`${i}\t"v ${i % 7}"`);
    const bytes = utf8.encode(lines.join('\n'));
    const cuts = Array.from({ length: Math.floor(bytes.length / 1000) }, (_, i) => (i + 1) * 1000 - 3);
    const t = await parseCsvStream(streamOf(bytes, cuts));
    expect(t.numRows).toBe(20000);
    expect(cellAt(t.columns[1], 19999)).toBe(`v ${19999 % 7}`);
  });

  it('reports bytes read after each chunk', async () => {
    const bytes = utf8.encode('a,b\n1,2\n3,4\n');
    const seen: number[] = [];
    await parseCsvStream(streamOf(bytes, [3, 7]), { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([3, 7, bytes.length]);
  });

  it('stops with an AbortError when aborted between chunks, cancelling the source', async () => {
    const ac = new AbortController();
    let cancelled = false;
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(utf8.encode(pulls++ === 0 ? 'a,b\n' : '1,2\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const parsing = parseCsvStream(endless, {
      signal: ac.signal,
      onProgress: (n) => {
        if (n > 100) ac.abort();
      },
    });
    await expect(parsing).rejects.toMatchObject({ name: 'AbortError' });
    expect(cancelled).toBe(true);
  });

  it('rejects bytes that are not UTF-8, naming the row of the first bad byte whatever the chunks', async () => {
    const head = utf8.encode('name,city\nAnn,Paris\nBob,Lyon\n');
    // Latin-1 "é" is the lone byte E9: no UTF-8 character starts with it and then goes on with ASCII.
    const bytes = new Uint8Array([...head, ...utf8.encode('Zo'), 0xe9, ...utf8.encode(',Nice\nEve,Caen\n')]);
    const expected = 'File "l.csv" is not UTF-8 text (invalid byte at about row 4); re-save it as UTF-8';
    for (let cut = 1; cut < bytes.length; cut += 3) {
      await expect(parseCsvStream(streamOf(bytes, [cut]), { name: 'l.csv' })).rejects.toThrow(expected);
    }
    const e = await parseCsvStream(streamOf(bytes), { name: 'l.csv' }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'DataError', row: 4 });
    // A file cut inside a multi-byte character fails at its end.
    const cutShort = utf8.encode('a,b\n1,日').slice(0, -1);
    await expect(parseCsvStream(streamOf(cutShort))).rejects.toThrow(/invalid byte at about row 2/);
  });

  it('rejects an empty stream', async () => {
    await expect(parseCsvStream(streamOf(new Uint8Array(0)), { name: 'e.csv' })).rejects.toThrow(
      'File "e.csv" is empty',
    );
  });
});

describe('parsing random input', () => {
  const valid = '\uFEFFid;"na;me";v\r\n1;"a ""q""\nb";2,5\r\n2;plain;3\r\n\r\n3;"é日";\r\n';
  const ALPHABET = [',', ';', '\t', '|', '"', '\n', '\r', ' ', 'a', '1', '\uFEFF', 'é', '😀'];

  /** The table, or the DataError's message; anything else thrown fails the test. */
  async function outcome(run: () => RawTable | Promise<RawTable>): Promise<RawTable | string> {
    try {
      const t = await run();
      for (const c of t.columns) {
        expect(c.codes.length).toBe(t.numRows);
        for (const code of c.codes) expect(code >= 0 && code < c.values.length).toBe(true);
      }
      for (let r = 1; r < t.numRows; r++) expect(t.fileRows![r]).toBeGreaterThan(t.fileRows![r - 1]);
      return t;
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      return err.message;
    }
  }

  it('gives a table or a DataError on random text, bytes and truncations, whatever the chunks', async () => {
    const rng = new Rng(31);
    const validBytes = utf8.encode(valid);
    let tables = 0;
    for (let trial = 0; trial < 300; trial++) {
      let bytes: Uint8Array;
      if (trial % 3 === 0) {
        const text = Array.from({ length: rng.int(80) }, () => ALPHABET[rng.int(ALPHABET.length)]).join('');
        bytes = utf8.encode(text);
        // Text parsed whole and bytes streamed in pieces must agree.
        const whole = await outcome(() => parseCsv(text));
        const cuts = Array.from(
          { length: rng.int(4) },
          () => 1 + rng.int(Math.max(1, bytes.length - 1)),
        ).sort((a, b) => a - b);
        expect(await outcome(() => parseCsvStream(streamOf(bytes, cuts)))).toEqual(whole);
      } else if (trial % 3 === 1) {
        bytes = Uint8Array.from({ length: rng.int(120) }, () => rng.int(256));
      } else {
        bytes = validBytes.subarray(0, rng.int(validBytes.length + 1));
      }
      const cut = 1 + rng.int(Math.max(1, bytes.length));
      const streamed = await outcome(() => parseCsvStream(streamOf(bytes, cut < bytes.length ? [cut] : [])));
      if (typeof streamed !== 'string') tables++;
    }
    expect(tables).toBeGreaterThan(30);
  });
});
