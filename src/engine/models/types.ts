import type * as tf from '@tensorflow/tfjs';
import type { DataShape } from '../data/types';
import type { Rng } from '../util/rng';
import type { Formulation, Params } from './layers';

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
  /** Per gate, the per-sample weights over its experts, [B, E]; filled in eval mode only (training skips the slicing). */
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
  /** Every stored parameter by name (the names are the export keys); its trainable ones are optimised. */
  params: Params;
  forward(batch: Batch, mode: Mode, rng: Rng): ModelOutput;
  hooks?: ScheduleHooks;
}

/** Everything a model factory gets: the data's dimensions, the embedding size and a seeded generator. */
export interface BuildContext {
  shape: DataShape;
  embeddingDim: number;
  rng: Rng;
  /** Layer formulation for the backend the model will run on. */
  formulation: Formulation;
}
