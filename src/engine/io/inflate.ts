/**
 * DEFLATE with a bound on its output, for data from anyone (a link, a zip entry): the output is counted as it
 * is produced and decompression stops once it passes the bound, so a small input that expands to gigabytes
 * costs neither the memory nor the time of expanding it. fflate's one-shot inflate has no such bound: it
 * decodes the whole stream, into a buffer it grows or, given one, past its end.
 */
import { Inflate } from 'fflate';

/** Input fed per call: one call decodes at most ~1,032 times this (DEFLATE's largest ratio), 4 MiB, before the check. */
const CHUNK_BYTES = 1 << 12;

/** The inflated bytes, or null as soon as they pass `limit`; throws on a corrupt stream. */
export function inflateAtMost(compressed: Uint8Array, limit: number): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total <= limit) parts.push(chunk);
  });
  let at = 0;
  do {
    inflater.push(compressed.subarray(at, at + CHUNK_BYTES), at + CHUNK_BYTES >= compressed.length);
    at += CHUNK_BYTES;
  } while (at < compressed.length && total <= limit);
  if (total > limit) return null;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
