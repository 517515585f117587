/** One run as the UI sees it, and the pure reducer that folds worker events into it. */
import type { Experiment } from '../engine/experiment';
import type { EvalReport } from '../engine/train/report';
import type { TrainEvent } from '../engine/train/events';
import type { BackendChoice, WorkerEvent } from '../workers/protocol';
import type { OracleAuc } from '../engine/synth/manifest';
import { readoutScalars, type ReadoutPoint } from './readouts';
import { emptySeries, pushPoint, type Series } from './series';

export type RunStatus = 'starting' | 'loading' | 'training' | 'paused' | 'stopping' | 'done' | 'error';

export type BackendInfo = Extract<WorkerEvent, { type: 'backend' }>;
export type DataInfo = Extract<WorkerEvent, { type: 'data' }>;
export type RunError = Omit<Extract<WorkerEvent, { type: 'error' }>, 'type' | 'runId'>;
export type StartedInfo = Extract<TrainEvent, { type: 'started' }>;
export type ProgressInfo = Extract<TrainEvent, { type: 'progress' }>;
export type EpochInfo = Extract<TrainEvent, { type: 'epoch' }>;
export type DoneInfo = Extract<TrainEvent, { type: 'done' }>;

export interface LossPoint {
  step: number;
  total: number;
  task: Record<string, number>;
  aux: Record<string, number>;
}

export interface AucPoint {
  step: number;
  /** [domain][task] */
  cells: (number | null)[][];
  tasks: (number | null)[];
}

export interface RunState {
  id: string;
  status: RunStatus;
  experiment: Experiment;
  backendChoice: BackendChoice;
  datasetName: string;
  oracle: OracleAuc | null;
  backend: BackendInfo | null;
  data: DataInfo | null;
  started: StartedInfo | null;
  progress: ProgressInfo | null;
  loss: Series<LossPoint>;
  auc: Series<AucPoint>;
  /** Scalar model readouts (inspection numbers, sparse gates' MI) per evaluation that has any. */
  readouts: Series<ReadoutPoint>;
  lastEval: { step: number; epoch: number; report: EvalReport } | null;
  lastEpoch: EpochInfo | null;
  done: DoneInfo | null;
  error: RunError | null;
  /** Kernel dispatches per training step, measured by the worker after training. */
  kernelsPerStep: number | null;
}

export function newRun(
  id: string,
  experiment: Experiment,
  backendChoice: BackendChoice,
  datasetName: string,
  oracle: OracleAuc | null,
): RunState {
  return {
    id,
    status: 'starting',
    experiment,
    backendChoice,
    datasetName,
    oracle,
    backend: null,
    data: null,
    started: null,
    progress: null,
    loss: emptySeries(),
    auc: emptySeries(),
    readouts: emptySeries(),
    lastEval: null,
    lastEpoch: null,
    done: null,
    error: null,
    kernelsPerStep: null,
  };
}

export function isActive(run: RunState | null): boolean {
  return run !== null && run.status !== 'done' && run.status !== 'error';
}

function applyTrainEvent(run: RunState, ev: TrainEvent): RunState {
  switch (ev.type) {
    case 'started':
      return { ...run, started: ev };
    case 'progress':
      return {
        ...run,
        progress: ev,
        loss: pushPoint(run.loss, { step: ev.step, total: ev.loss, task: ev.taskLoss, aux: ev.aux }),
      };
    case 'eval': {
      const values = readoutScalars(ev.report);
      return {
        ...run,
        lastEval: { step: ev.step, epoch: ev.epoch, report: ev.report },
        auc: pushPoint(run.auc, {
          step: ev.step,
          cells: ev.report.byCell.map((row) => row.map((c) => c.auc)),
          tasks: ev.report.byTask.map((c) => c.auc),
        }),
        readouts:
          Object.keys(values).length > 0 ? pushPoint(run.readouts, { step: ev.step, values }) : run.readouts,
      };
    }
    case 'epoch':
      return { ...run, lastEpoch: ev };
    case 'done':
      return { ...run, status: 'done', done: ev };
  }
}

/**
 * Folds one worker event into the run. Events of another run change nothing; once the run has ended only its
 * profile (measured after training) is still taken.
 */
export function applyWorkerEvent(run: RunState, ev: WorkerEvent): RunState {
  if (ev.runId !== run.id) return run;
  if (ev.type === 'profile') return { ...run, kernelsPerStep: ev.kernelsPerStep };
  if (!isActive(run)) return run;
  switch (ev.type) {
    case 'backend':
      return { ...run, backend: ev };
    case 'status':
      return { ...run, status: ev.status };
    case 'data':
      return { ...run, data: ev };
    case 'train':
      return applyTrainEvent(run, ev.event);
    case 'error':
      return {
        ...run,
        status: 'error',
        error: { message: ev.message, column: ev.column, row: ev.row, keptResults: ev.keptResults },
      };
  }
}
