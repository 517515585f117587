/**
 * Whether a file can be loaded at all, decided from its size before a byte is parsed: a parse that runs out of
 * heap kills the tab (or the worker) with no message, minutes into the upload.
 */
import { DataError } from './types';

/**
 * JS heap a streamed parse + encode needs per byte of CSV. Measured with Node 20 (V8 12) on a generated
 * 1,000,000-row × 40-column file of 227 MiB (25 categorical columns of 2 to 1,000 values, 12 numeric columns of
 * which 6 have near-unique values, 2 binary labels, 6 domains): the smallest --max-old-space-size that completed
 * was between 357 and 381 MiB, 1.57 to 1.68 bytes per CSV byte. The Int32 codes of the table and the typed arrays
 * of the dataset (about 1.4 bytes per CSV byte more there) live outside the JS heap.
 */
export const HEAP_BYTES_PER_CSV_BYTE = 1.7;
/** Share of the heap limit a load may take: the page, tfjs and the model under training keep the rest. */
export const LOADABLE_HEAP_SHARE = 0.75;
/** Chrome's heap limit on 64-bit desktops, for when the page cannot read its own (performance.memory). */
export const DEFAULT_HEAP_LIMIT_BYTES = 4 * 2 ** 30;

const GIB = 2 ** 30;
const MIB = 2 ** 20;

export function formatBytes(n: number): string {
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GB`;
  return `${Math.max(1, Math.round(n / MIB))} MB`;
}

export interface FileSizeOptions {
  /** File name used in the message. */
  name?: string;
  /** ISIZE of a gzip file (gzipIsize): its uncompressed size modulo 2^32. */
  gzipUncompressedBytes?: number;
  /** The page's heap limit (Chrome: performance.memory.jsHeapSizeLimit); default DEFAULT_HEAP_LIMIT_BYTES. */
  heapLimitBytes?: number;
}

/**
 * The least CSV a file can hold: its size, or for gzip ISIZE when that is no smaller than the file. CSV never
 * shrinks when compressed, so an ISIZE below the file size is the last of several members (concatenated gzip
 * files, BGZF's 64 KiB blocks) or has wrapped past 4 GiB, and only the file size is known then. Either way the
 * CSV may be more than this (ISIZE is modulo 2^32 and names the last member only): csvByteCounter counts what
 * a read really holds.
 */
export function csvBytesOf(fileBytes: number, gzipUncompressedBytes?: number): number {
  return Math.max(fileBytes, gzipUncompressedBytes ?? 0);
}

/** The CSV a page with this heap limit can load, in bytes. */
export function loadableCsvBytes(heapLimitBytes: number = DEFAULT_HEAP_LIMIT_BYTES): number {
  return (heapLimitBytes * LOADABLE_HEAP_SHARE) / HEAP_BYTES_PER_CSV_BYTE;
}

/** Why the file is too large to load, or null when it should fit. */
export function fileSizeProblem(fileBytes: number, opts: FileSizeOptions = {}): string | null {
  const heapLimit = opts.heapLimitBytes ?? DEFAULT_HEAP_LIMIT_BYTES;
  const csvBytes = csvBytesOf(fileBytes, opts.gzipUncompressedBytes);
  const capacity = loadableCsvBytes(heapLimit);
  if (csvBytes <= capacity) return null;
  const size =
    opts.gzipUncompressedBytes === undefined
      ? `is ${formatBytes(csvBytes)}`
      : `holds ${formatBytes(csvBytes)} of CSV (${formatBytes(fileBytes)} compressed)`;
  return tooLarge(opts.name, size, heapLimit);
}

function tooLarge(name: string | undefined, size: string, heapLimit: number): string {
  return `${name ?? 'the file'} ${size}; this page can hold about ${formatBytes(loadableCsvBytes(heapLimit))} of CSV (heap limit ${formatBytes(heapLimit)})`;
}

/**
 * Counts the CSV bytes a (decompressed) stream really holds and fails it, with fileSizeProblem's message, once
 * they pass what the page can hold. The check before reading trusts the gzip trailer, which gives the size of the
 * last member only: a file of several members (concatenated gzip files, or a crafted one) holds more.
 */
export function csvByteCounter(opts: Pick<FileSizeOptions, 'name' | 'heapLimitBytes'> = {}) {
  const heapLimit = opts.heapLimitBytes ?? DEFAULT_HEAP_LIMIT_BYTES;
  const capacity = loadableCsvBytes(heapLimit);
  let csvBytes = 0;
  return (chunk: Uint8Array): void => {
    csvBytes += chunk.byteLength;
    if (csvBytes > capacity)
      throw new DataError(
        tooLarge(opts.name, `holds more than ${formatBytes(capacity)} of CSV once decompressed`, heapLimit),
      );
  };
}

/**
 * ISIZE, the last 4 bytes of a gzip file (little-endian): the uncompressed size modulo 2^32 of its last member.
 * A file over 4 GiB uncompressed reads smaller than it is, and a file of several concatenated members gives the
 * last member's size only (see csvBytesOf; csvByteCounter catches both while they are read). `tail` is the end of the file; undefined when it holds under 4 bytes
 * (no gzip file is that short: the reader reports it as damaged).
 */
export function gzipIsize(tail: Uint8Array): number | undefined {
  const n = tail.length;
  if (n < 4) return undefined;
  return (tail[n - 4] | (tail[n - 3] << 8) | (tail[n - 2] << 16) | (tail[n - 1] << 24)) >>> 0;
}
