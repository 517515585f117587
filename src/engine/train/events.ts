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
  | {
      type: 'done';
      reason: 'completed' | 'early-stopped' | 'stopped' | 'max-steps';
      steps: number;
      epochs: number;
      bestEpoch: number;
      test: EvalReport;
    };

export type { DataShape, SkippedRows };
