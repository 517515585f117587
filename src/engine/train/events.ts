import type { DataShape, SkippedRows } from '../data/types';
import type { EvalReport } from './report';

/** What a run reports while it trains; plain, serialisable data (it crosses the worker boundary as is). */
export type TrainEvent =
  | {
      type: 'started';
      params: number;
      stepsPerEpoch: number;
      totalSteps: number;
      shape: DataShape;
      trainRows: number;
      validRows: number;
      testRows: number;
    }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      /** Total loss (tasks + auxiliary terms) of the last step, and its parts by name. */
      loss: number;
      taskLoss: Record<string, number>;
      aux: Record<string, number>;
      samplesPerSecond: number;
      msPerStep: number;
      /** JS time spent issuing a step before waiting for its result: on a GPU the host's share of it (absent in runs stored before it existed). */
      hostMsPerStep?: number;
    }
  | { type: 'eval'; step: number; epoch: number; report: EvalReport }
  | { type: 'epoch'; epoch: number; validMeanAuc: number | null; best: boolean }
  | { type: 'flag'; flag: RunFlag }
  | {
      type: 'done';
      /** `diverged`: the loss or the weights became non-finite; the test metrics are the best epoch's. */
      reason: 'completed' | 'early-stopped' | 'stopped' | 'max-steps' | 'diverged';
      steps: number;
      /** Epochs run to their end. */
      epochs: number;
      /** The epoch with the best mean valid AUC over cells (0: none finished). */
      bestEpoch: number;
      /** The weights the test metrics come from. */
      weightsFrom: WeightsSource;
      /** Everything suspicious the run noticed, in order. */
      flags: RunFlag[];
      /** Why a `diverged` run ended, naming the step and the setting to change. */
      failure?: string;
      test: EvalReport;
    };

/**
 * Which weights a run's test metrics come from: the best epoch's, restored (`step` is when they were taken), or
 * the weights of the last step, when no full validation pass scored better (a run stopped or capped mid-epoch).
 */
export type WeightsSource = { kind: 'best'; epoch: number; step: number } | { kind: 'last'; step: number };

/**
 * A warning on a run whose numbers look fine but may not be: its loss grew by orders of magnitude, every cell sits
 * at chance (the network died), or a cell is suspiciously easy from the first epoch (a feature may leak the label).
 */
export interface RunFlag {
  kind: 'loss-growth' | 'chance-level' | 'possible-leak';
  step: number;
  message: string;
}

export type { DataShape, SkippedRows };
