import type * as tf from '@tensorflow/tfjs';
import type { DataShape } from '../data/types';
import type { Rng } from '../util/rng';
import type { Formulation } from './experts';
import type { Params } from './layers';
import type { Inspection } from '../train/report';
import type { EmbeddingInit, TrainConfig } from '../train/config';

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
  /**
   * Called before each step with the global step, the epoch and the steps per epoch; may swap trainable
   * variables (MoME's phase switch), in which case the trainer rebuilds its optimizer. `resetBest` makes the
   * trainer forget its best epoch so far (snapshot and patience): a snapshot from before a structural change
   * cannot be restored into the changed model.
   */
  beforeStep?(
    step: number,
    epoch: number,
    stepsPerEpoch: number,
  ): { variablesChanged: boolean; resetBest?: boolean };
}

/**
 * Parameters searched rather than trained (M3oE's structure weights): the main optimizer never sees
 * them; their own Adam steps on the loss of a batch from `split`, every `everySteps` steps (first-order DARTS).
 */
export interface ArchitectureSearch {
  params: tf.Variable[];
  learningRate: number;
  everySteps: number;
  split: 'valid' | 'train';
  /** Also updated by the main optimizer, like any weight (M3oE's published schedule). */
  alsoTrainedWithWeights?: boolean;
}

export interface Model {
  /** Every stored parameter by name (the names are the export keys); its trainable ones are optimised. */
  params: Params;
  forward(batch: Batch, mode: Mode, rng: Rng): ModelOutput;
  /**
   * Combines per-sample task BCE [B, T] (0 where the label is missing, `mask` [B, T]) into the task loss.
   * Default: Σ_t mean BCE_t over labelled rows. M3oE overrides it with its per-(domain, task) group loss.
   */
  taskLoss?(bce: tf.Tensor2D, mask: tf.Tensor2D, batch: Batch): tf.Scalar;
  architecture?: ArchitectureSearch;
  hooks?: ScheduleHooks;
  /** Read at every evaluation: small values only (use `await t.data()`, never dataSync). */
  inspect?(): Promise<Inspection>;
}

/** Everything a model factory gets: the data's dimensions, the input settings and a seeded generator. */
export interface BuildContext {
  shape: DataShape;
  embeddingDim: number;
  embeddingInit: EmbeddingInit;
  embeddingInitScale: number;
  /** The domain id as one more embedded input field (FeatureInput). */
  domainInput: boolean;
  rng: Rng;
  /** Layer formulation for the backend the model will run on. */
  formulation: Formulation;
}

/** The build context of a run: its data shape, the input settings of its train block, its generator and formulation. */
export function buildContext(
  shape: DataShape,
  train: Pick<TrainConfig, 'embeddingDim' | 'embeddingInit' | 'embeddingInitScale' | 'domainInput'>,
  rng: Rng,
  formulation: Formulation,
): BuildContext {
  const { embeddingDim, embeddingInit, embeddingInitScale, domainInput } = train;
  return { shape, embeddingDim, embeddingInit, embeddingInitScale, domainInput, rng, formulation };
}
