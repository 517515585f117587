/** Gzip detected by its magic bytes, not by a file name, and decompressed with the platform's DecompressionStream. */
import { DataError } from './types';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses, turning the decompressor's own error (TypeError, "incorrect header check") into one about the file. */
function gunzip(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  // The DOM typings accept only ArrayBuffer-backed chunks; stream chunks are never SharedArrayBuffer views.
  const gunzipper = new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>;
  const reader = stream.pipeThrough(gunzipper).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(new DataError(`the gzip data is damaged or cut short (${(err as Error).message})`));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The stream's bytes, decompressed when they start with the gzip magic bytes 1f 8b. */
export async function maybeGunzip(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < 2 && !done) {
    const next = await reader.read();
    if (next.done) done = true;
    else {
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
  }
  // The peeked chunks go back in front of the rest.
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return isGzip(concatBytes(head)) ? gunzip(whole) : whole;
}

/** The bytes, decompressed when they are gzip. */
export async function readMaybeGzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const reader = gunzip(streamOfBytes(bytes)).getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return concatBytes(parts);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A stream over bytes in memory, in chunks so that a reader reports progress and can be aborted between them. */
export function streamOfBytes(bytes: Uint8Array, chunkBytes = 1 << 20): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}
