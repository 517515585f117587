/**
 * The identity of a run's data as the model sees it: the row indices of each split and the encoded schema
 * (columns, vocabularies, standardisation). Runs whose fingerprints match trained and were scored on the same
 * rows, encoded the same way; it is a check, not a security measure, so a fast non-cryptographic hash will do.
 */
import { SPLITS, type EncodedDataset } from '../engine/data/types';

/** Two independent 32-bit FNV-1a lanes (different offsets, primes): 64 bits, collisions out of reach here. */
class Fnv64 {
  private a = 0x811c9dc5;
  private b = 0xcbf29ce4;

  bytes(view: Uint8Array): this {
    let { a, b } = this;
    for (let i = 0; i < view.length; i++) {
      a = Math.imul(a ^ view[i], 0x01000193);
      b = Math.imul(b ^ view[i], 0x01000197);
    }
    this.a = a;
    this.b = b;
    return this;
  }

  text(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

export function splitFingerprint(dataset: Pick<EncodedDataset, 'splits' | 'schema'>): string {
  const h = new Fnv64();
  for (const name of SPLITS) {
    const rows = dataset.splits[name];
    // The split's length first: [1,2][3] and [1][2,3] must differ.
    h.text(`${name}:${rows.length};`);
    h.bytes(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  }
  return h.text(JSON.stringify(dataset.schema)).hex();
}
