/** Training settings: the `train` block of an experiment. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  embeddingDim: number;
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
  patience: 2,
  evalEvery: 0,
  liveEvalRows: 4096,
  maxSteps: 0,
};
