/**
 * Reference logits for the PyTorch twins' parity check (python/moe_playground/parity.py): the logits this engine gives
 * on a split's rows, and a digest of those rows as encoded, added to a run zip as reference.json + reference-logits.bin.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { BatchAssembler } from '../../src/engine/data/batches';
import type { EncodedDataset, SplitName } from '../../src/engine/data/types';
import type { Model } from '../../src/engine/models/types';
import { disposeBatch, toTensors } from '../../src/engine/train/batchTensors';
import { Rng } from '../../src/engine/util/rng';

export const REFERENCE_FORMAT = 'moe-playground-reference/1';
const LOGITS_FILE = 'reference-logits.bin';

/** Eval-mode logits [rows, T] of `rows`, in their order, batch by batch (a short last batch padded, as evaluation does). */
export async function referenceLogits(
  model: Model,
  ds: EncodedDataset,
  rows: Int32Array,
  batchSize: number,
): Promise<Float32Array> {
  const T = ds.schema.tasks.length;
  const out = new Float32Array(rows.length * T);
  const assembler = new BatchAssembler(ds, batchSize);
  const rng = new Rng(1);
  for (let start = 0; start < rows.length; start += batchSize) {
    const real = assembler.fill(rows, start);
    const b = toTensors(assembler, ds.schema.domains.length);
    const logits = tf.tidy(() => model.forward(b.batch, 'eval', rng).logits);
    disposeBatch(b);
    out.set((await logits.data()).subarray(0, real * T), start * T);
    logits.dispose();
  }
  return out;
}

/** Rows `rows` of a row-major array of `width` values per row, as bytes. */
function rowsOf(values: Int32Array | Float32Array | Uint8Array, width: number, rows: Int32Array): Uint8Array {
  const Ctor = values.constructor as new (n: number) => typeof values;
  const out = new Ctor(rows.length * width);
  rows.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** SHA-256 of the encoded rows: cat int32, num float32, domain int32, labels float32, label mask uint8, row-major. */
export function inputsSha256(ds: EncodedDataset, rows: Int32Array): string {
  const h = createHash('sha256');
  h.update(rowsOf(ds.cat, ds.schema.categorical.length, rows));
  h.update(rowsOf(ds.num, ds.schema.numeric.length, rows));
  h.update(rowsOf(ds.domain, 1, rows));
  h.update(rowsOf(ds.labels, ds.schema.tasks.length, rows));
  h.update(rowsOf(ds.labelMask, ds.schema.tasks.length, rows));
  return h.digest('hex');
}

/** The run zip with the reference logits of `split` added. */
export async function withReference(
  zip: Uint8Array,
  model: Model,
  ds: EncodedDataset,
  opts: { split: SplitName; batchSize: number; backend: string },
): Promise<Uint8Array> {
  const rows = ds.splits[opts.split];
  const logits = await referenceLogits(model, ds, rows, opts.batchSize);
  const reference = {
    format: REFERENCE_FORMAT,
    split: opts.split,
    rows: rows.length,
    tasks: ds.schema.tasks.length,
    batchSize: opts.batchSize,
    backend: opts.backend,
    logits: LOGITS_FILE,
    inputsSha256: inputsSha256(ds, rows),
  };
  const files: Zippable = unzipSync(zip);
  // Float weights barely compress: stored, as the page's export stores them.
  files['weights.bin'] = [files['weights.bin'] as Uint8Array, { level: 0 }];
  files['reference.json'] = strToU8(JSON.stringify(reference, null, 2));
  files[LOGITS_FILE] = [new Uint8Array(logits.buffer), { level: 0 }];
  return zipSync(files, { level: 6 });
}
