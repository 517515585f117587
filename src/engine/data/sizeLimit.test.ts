import { describe, expect, it } from 'vitest';
import { streamOfBytes } from './gzip';
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
  it('takes ISIZE as is unless it is below the compressed size, which means it wrapped past 4 GiB', () => {
    expect(csvBytesOf(1000)).toBe(1000);
    expect(csvBytesOf(1000, 9000)).toBe(9000);
    // 6 GiB of CSV in a 1.5 GiB file: ISIZE reads 2 GiB, and 2 GiB ≥ 1.5 GiB hides the wrap (a lower bound).
    expect(csvBytesOf(1.5 * GIB, 2 * GIB)).toBe(2 * GIB);
    // 5 GiB of CSV in a 2 GiB file: ISIZE reads 1 GiB, below the file itself.
    expect(csvBytesOf(2 * GIB, 1 * GIB)).toBe(5 * GIB);
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
