import * as tf from '@tensorflow/tfjs';
import type { BatchAssembler } from '../data/batches';
import type { Batch } from '../models/types';

export interface LabelledBatch {
  batch: Batch;
  labels: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/** Uploads the assembler's current rows as one fixed-shape batch (same shapes every call: GPU buffers get reused). */
export function toTensors(a: BatchAssembler, numDomains: number): LabelledBatch {
  const B = a.batchSize;
  // The one-hot is written on the CPU with the ids: uploading it costs less than two kernels per batch.
  const oneHot = new Float32Array(B * numDomains);
  for (let r = 0; r < B; r++) oneHot[r * numDomains + a.domain[r]] = 1;
  const batch: Batch = {
    cat: tf.tensor2d(a.cat, [B, a.numCat], 'int32'),
    num: tf.tensor2d(a.num, [B, a.numNum], 'float32'),
    domain: tf.tensor1d(a.domain, 'int32'),
    domainOneHot: tf.tensor2d(oneHot, [B, numDomains], 'float32'),
  };
  return {
    batch,
    labels: tf.tensor2d(a.labels, [B, a.numTasks], 'float32'),
    mask: tf.tensor2d(a.labelMask, [B, a.numTasks], 'float32'),
  };
}

export function disposeBatch(b: LabelledBatch): void {
  tf.dispose([b.batch.cat, b.batch.num, b.batch.domain, b.batch.domainOneHot, b.labels, b.mask]);
}
