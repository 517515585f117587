/** Source → (gunzip) → parse → encode. Callers read files themselves: the engine never touches a file system. */
import { parseCsv, parseCsvStream, type CsvOptions, type RawTable } from './csv';
import { encodeDataset, type EncodeOptions } from './encode';
import { maybeGunzip, streamOfBytes } from './gzip';
import { csvByteCounter } from './sizeLimit';
import type { DataMapping, EncodedDataset } from './types';

/** CSV text, or bytes (plain or gzip) in memory or streamed. */
export type DataInput = string | ReadableStream<Uint8Array> | Uint8Array;

export type LoadOptions = CsvOptions & EncodeOptions;

/** The stream, each chunk shown to `onChunk` as it passes (a hash, a byte count). */
export function tapped(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onChunk(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Counts the bytes of the source itself, before decompression: what a progress bar compares with the file size. */
function counted(
  stream: ReadableStream<Uint8Array>,
  onProgress: (bytesRead: number) => void,
): ReadableStream<Uint8Array> {
  let bytesRead = 0;
  return tapped(stream, (chunk) => {
    bytesRead += chunk.byteLength;
    onProgress(bytesRead);
  });
}

export interface ReadOptions extends CsvOptions {
  /**
   * Stop once the CSV, decompressed, passes what a page of this heap limit can hold (sizeLimit.ts); the page sets
   * it (undefined: the default limit), the bench leaves `csvLimit` out.
   */
  csvLimit?: { heapLimitBytes?: number };
}

/** The table of a source, before any mapping: what the column mapper shows. */
export async function readTable(source: DataInput, opts: ReadOptions = {}): Promise<RawTable> {
  // Text is already in memory: there are no bytes to report progress on.
  if (typeof source === 'string') return parseCsv(source, opts);
  let stream = source instanceof Uint8Array ? streamOfBytes(source) : source;
  if (opts.onProgress) stream = counted(stream, opts.onProgress);
  let csv = await maybeGunzip(stream);
  if (opts.csvLimit) csv = tapped(csv, csvByteCounter({ name: opts.name, ...opts.csvLimit }));
  return parseCsvStream(csv, { name: opts.name, signal: opts.signal });
}

export async function loadDataset(
  source: DataInput,
  mapping: DataMapping,
  opts: LoadOptions = {},
): Promise<EncodedDataset> {
  const table = await readTable(source, opts);
  opts.signal?.throwIfAborted();
  return encodeDataset(table, mapping, opts);
}
