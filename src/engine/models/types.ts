import type * as tf from '@tensorflow/tfjs';
import type { DataShape } from '../data/types';
import type { Rng } from '../util/rng';

/** One fixed-shape batch on the device. */
export interface Batch {
  /** [B, numCat] int32 ids into the shared embedding table. */
  cat: tf.Tensor2D;
  /** [B, numNum] float32. */
  num: tf.Tensor2D;
  /** [B] int32 domain ids. */
  domain: tf.Tensor1D;
  /** [B, D] float32 one-hot of the domain: selecting per-domain parameters by multiply-and-sum keeps gradients. */
  domainOneHot: tf.Tensor2D;
}

export type Mode = 'train' | 'eval';

export interface ModelOutput {
  /** [B, T] one logit per task. */
  logits: tf.Tensor2D;
  /** Per gate, the per-sample weights over its experts, [B, E]. */
  routing: Record<string, tf.Tensor2D>;
  /** Auxiliary loss terms by name (already weighted: they are added to the loss as they are). */
  aux: Record<string, tf.Scalar>;
}

/** Hooks a trainer calls on schedule; a model without them trains like any other. */
export interface ScheduleHooks {
  /** Called before each step with the global step and epoch; may swap trainable variables (MoME's phase switch). */
  beforeStep?(step: number, epoch: number): { variablesChanged: boolean };
}

export interface Model {
  /** Trainable variables updated by the main optimizer. */
  trainable(): tf.Variable[];
  forward(batch: Batch, mode: Mode, rng: Rng): ModelOutput;
  /** Parameter count of everything the model stores. */
  paramCount(): number;
  hooks?: ScheduleHooks;
  dispose(): void;
}

/** Everything a model factory gets: the data's dimensions, the embedding size and a seeded generator. */
export interface BuildContext {
  shape: DataShape;
  embeddingDim: number;
  rng: Rng;
}
