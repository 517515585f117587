import { describe, expect, it } from 'vitest';
import { streamOfBytes } from './gzip';
import { readTable } from './load';
import { DataError } from './types';
import {
  csvBytesOf,
  DEFAULT_HEAP_LIMIT_BYTES,
  fileSizeProblem,
  gzipIsize,
  HEAP_BYTES_PER_CSV_BYTE,
  LOADABLE_HEAP_SHARE,
  loadableCsvBytes,
} from './sizeLimit';

const GIB = 2 ** 30;

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = streamOfBytes(bytes).pipeThrough(
    new CompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('gzipIsize', () => {
  it('reads the uncompressed size from the last 4 bytes of a gzip file', async () => {
    const text = new TextEncoder().encode('a,b\n' + '1,2\n'.repeat(70_000));
    const gz = await gzip(text);
    expect(gzipIsize(gz)).toBe(text.length);
    // The caller reads only the end of the file.
    expect(gzipIsize(gz.slice(-4))).toBe(text.length);
    expect(gzipIsize(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toBe(2 ** 32 - 1);
    expect(gzipIsize(Uint8Array.from([1, 2, 3]))).toBeUndefined();
  });
});

describe('csvBytesOf', () => {
  it('takes ISIZE when it is no smaller than the file, and the file size when ISIZE cannot be the whole', () => {
    expect(csvBytesOf(1000)).toBe(1000);
    expect(csvBytesOf(1000, 9000)).toBe(9000);
    // 6 GiB of CSV in a 1.5 GiB file: ISIZE reads 2 GiB, and 2 GiB ≥ 1.5 GiB hides the wrap (a lower bound).
    expect(csvBytesOf(1.5 * GIB, 2 * GIB)).toBe(2 * GIB);
    // 5 GiB of CSV in a 2 GiB file (ISIZE 1 GiB), or a 2 GiB file of members whose last holds 1 GiB: at least 2 GiB.
    expect(csvBytesOf(2 * GIB, 1 * GIB)).toBe(2 * GIB);
    // BGZF: 64 KiB members, the last one shorter.
    expect(csvBytesOf(30 * 2 ** 20, 12_345)).toBe(30 * 2 ** 20);
  });
});

describe('fileSizeProblem', () => {
  it('accepts up to the loadable size of the heap limit and names sizes past it', () => {
    const capacity = loadableCsvBytes(DEFAULT_HEAP_LIMIT_BYTES);
    expect(capacity).toBe((DEFAULT_HEAP_LIMIT_BYTES * LOADABLE_HEAP_SHARE) / HEAP_BYTES_PER_CSV_BYTE);
    expect(fileSizeProblem(Math.floor(capacity))).toBeNull();
    const big = 3.2 * GIB;
    expect(fileSizeProblem(big, { name: 'census.csv' })).toBe(
      `census.csv is 3.2 GB; this page can hold about ${(capacity / GIB).toFixed(1)} GB of CSV (heap limit 4.0 GB)`,
    );
  });

  it('scales with the heap limit it is given', () => {
    const limit = 512 * 2 ** 20;
    const capacity = loadableCsvBytes(limit);
    expect(fileSizeProblem(capacity, { heapLimitBytes: limit })).toBeNull();
    expect(fileSizeProblem(capacity + 1, { heapLimitBytes: limit })).toBe(
      `the file is ${Math.round(capacity / 2 ** 20)} MB; this page can hold about ${Math.round(capacity / 2 ** 20)} MB of CSV (heap limit 512 MB)`,
    );
  });

  it('judges a gzip file by the CSV it holds', () => {
    const opts = { name: 'x.csv.gz', heapLimitBytes: GIB };
    expect(fileSizeProblem(100 * 2 ** 20, opts)).toBeNull();
    expect(fileSizeProblem(100 * 2 ** 20, { ...opts, gzipUncompressedBytes: 900 * 2 ** 20 })).toMatch(
      /^x\.csv\.gz holds 900 MB of CSV \(100 MB compressed\); this page can hold about \d+ MB of CSV \(heap limit 1\.0 GB\)$/,
    );
  });
});

describe('a file of several gzip members', () => {
  const encoder = new TextEncoder();
  const rows = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => `${from + i},${((from + i) * 7919) % 100_003}\n`).join('');
  async function members(...texts: string[]): Promise<Uint8Array> {
    const parts = await Promise.all(texts.map((t) => gzip(encoder.encode(t))));
    const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (file.set(p, at), at + p.length), 0);
    return file;
  }
  const name = 'members.csv.gz';

  it('pass the check of their trailer (the last member) and are stopped by the CSV they really hold', async () => {
    // A first member of 130 KB of CSV, a last of 240 KB that compresses to almost nothing: the trailer says 240 KB.
    const file = await members('a,b\n' + rows(10_000, 0), '1,2\n'.repeat(60_000));
    const csvBytes = 4 + rows(10_000, 0).length + 240_000;
    expect(gzipIsize(file)).toBe(240_000);
    expect(file.length).toBeLessThan(240_000);
    // A heap that loads 265 KB of CSV: the check before reading lets the file through…
    const heapLimitBytes = 600_000;
    expect(loadableCsvBytes(heapLimitBytes)).toBeLessThan(csvBytes);
    expect(
      fileSizeProblem(file.length, { name, gzipUncompressedBytes: gzipIsize(file), heapLimitBytes }),
    ).toBeNull();
    // …every member is read (the bench reads without a limit)…
    expect((await readTable(file)).numRows).toBe(70_000);
    // …and the page's read stops once the CSV passes what the heap can hold.
    const refused = readTable(file, { name, csvLimit: { heapLimitBytes } });
    await expect(refused).rejects.toBeInstanceOf(DataError);
    await expect(refused).rejects.toThrow(
      /^members\.csv\.gz holds more than \d+ MB of CSV once decompressed; this page can hold about \d+ MB of CSV \(heap limit \d+ MB\)$/,
    );
    const roomy = { heapLimitBytes: (csvBytes * HEAP_BYTES_PER_CSV_BYTE) / LOADABLE_HEAP_SHARE + 1 };
    expect((await readTable(file, { name, csvLimit: roomy })).numRows).toBe(70_000);
  });

  it('whose last member is small are judged by the file size before reading, not as a wrapped 4 GiB', async () => {
    const file = await members('a,b\n' + rows(20_000, 0), '1,2\n');
    expect(gzipIsize(file)).toBe(4);
    expect(fileSizeProblem(file.length, { name, gzipUncompressedBytes: 4 })).toBeNull();
    expect((await readTable(file, { name, csvLimit: {} })).numRows).toBe(20_001);
  });
});
