/** How embedding tables start: N(0, scale²) or U(−scale, scale). */
export type EmbeddingInit = 'normal' | 'uniform';
export const EMBEDDING_INITS: readonly EmbeddingInit[] = ['normal', 'uniform'];

/** Training settings: the `train` block of an experiment. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  embeddingDim: number;
  /** Distribution of every embedding table's initial values (the field's conventions differ: see DEFAULT_TRAIN). */
  embeddingInit: EmbeddingInit;
  /** Standard deviation (normal) or bound (uniform) of the initial embedding values. */
  embeddingInitScale: number;
  /** The domain id embedded as one more input field of every model (as the official M3oE code and the multi-scenario benchmarks do). */
  domainInput: boolean;
  /** Early stopping: epochs without a better mean valid AUC before stopping; 0 disables it. */
  patience: number;
  /** Steps between live validation passes (on a fixed valid sample) besides the end of each epoch; 0 = epochs only. */
  evalEvery: number;
  /** Rows of the valid split used by live (mid-epoch) evaluation; the end-of-epoch pass uses all of it. */
  liveEvalRows: number;
  /** Stop after this many steps in all (0 = no cap): quick looks and tests. */
  maxSteps: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  epochs: 3,
  batchSize: 1024,
  learningRate: 0.001,
  seed: 1,
  embeddingDim: 16,
  // U(−0.05, 0.05), Keras's and TF.js's: on id-heavy data every small scale (N(0, 1e-4), N(0, 0.05), this) ends
  // 0.016 closer to the oracle than N(0, 1), and this one learns census fastest (BENCHMARKS.md, "Defaults").
  embeddingInit: 'uniform',
  embeddingInitScale: 0.05,
  domainInput: true,
  patience: 2,
  evalEvery: 0,
  liveEvalRows: 4096,
  maxSteps: 0,
};
