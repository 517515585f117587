/** One run as the UI sees it, and the pure reducers that fold worker events into one run or a list of runs. */
import type { Experiment } from '../../engine/experiment';
import type { EvalReport } from '../../engine/train/report';
import type { RunFlag, TrainEvent, WeightsSource } from '../../engine/train/events';
import type { BackendChoice, RunInitMode, WorkerEvent } from '../../workers/protocol';
import type { OracleAuc } from '../../engine/synth/manifest';
import { readoutScalars, type ReadoutPoint } from '../charts/readouts';
import { configName } from './plan';
import { emptySeries, pushPoint, type Series } from './series';

/** `interrupted`: the page was closed or reloaded while the run was queued or in its worker. */
export type RunStatus =
  | 'queued'
  | 'starting'
  | 'loading'
  | 'training'
  | 'evaluating'
  | 'paused'
  | 'stopping'
  | 'done'
  | 'error'
  /** Ended by Stop when its worker did not end on its own in time (terminated): no test pass, no export. */
  | 'stopped'
  | 'interrupted';

export type BackendInfo = Extract<WorkerEvent, { type: 'backend' }>;
export type DataInfo = Extract<WorkerEvent, { type: 'data' }>;
export type RunError = Omit<Extract<WorkerEvent, { type: 'error' }>, 'type' | 'runId'>;
export type StartedInfo = Extract<TrainEvent, { type: 'started' }>;
export type ProgressInfo = Extract<TrainEvent, { type: 'progress' }>;
export type EpochInfo = Extract<TrainEvent, { type: 'epoch' }>;
type TrainDone = Extract<TrainEvent, { type: 'done' }>;
/** How a run ended: the trainer's `done`, or `evaluated` for imported weights scored without training. */
export type DoneInfo = Omit<TrainDone, 'type' | 'reason' | 'weightsFrom'> & {
  reason: TrainDone['reason'] | 'evaluated';
  weightsFrom: WeightsSource | { kind: 'imported' };
};

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
  /** The configuration's name in its plan (runs of one configuration over several seeds share it). */
  name: string;
  /** Milliseconds since the epoch at which the run was queued: the run list's order across reloads. */
  createdAt: number;
  status: RunStatus;
  experiment: Experiment;
  backendChoice: BackendChoice;
  datasetName: string;
  oracle: OracleAuc | null;
  /** Where the starting weights came from: an imported .zip, evaluated or trained further; null for a fresh run. */
  init: { mode: RunInitMode; file: string } | null;
  backend: BackendInfo | null;
  data: DataInfo | null;
  started: StartedInfo | null;
  /** Parameters of the built model (null until the worker has built it). */
  params: number | null;
  progress: ProgressInfo | null;
  loss: Series<LossPoint>;
  auc: Series<AucPoint>;
  /** Scalar model readouts (inspection numbers, sparse gates' MI) per evaluation that has any. */
  readouts: Series<ReadoutPoint>;
  lastEval: { step: number; epoch: number; report: EvalReport } | null;
  lastEpoch: EpochInfo | null;
  done: DoneInfo | null;
  /** Warnings the trainer raised while the run trained (diverging loss, chance-level cells, a possible leak). */
  flags: RunFlag[];
  error: RunError | null;
  /** Kernel dispatches per training step, measured by the worker after training. */
  kernelsPerStep: number | null;
  /** The finished run as a .zip (weights, schema, metrics, environment), built by the worker after the run. */
  exportZip: Uint8Array | null;
  exportError: string | null;
}

export interface NewRun {
  id: string;
  name: string;
  experiment: Experiment;
  backendChoice: BackendChoice;
  datasetName: string;
  oracle: OracleAuc | null;
  init?: RunState['init'];
  createdAt?: number;
}

export function newRun(r: NewRun): RunState {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.createdAt ?? Date.now(),
    status: 'queued',
    experiment: r.experiment,
    backendChoice: r.backendChoice,
    datasetName: r.datasetName,
    oracle: r.oracle,
    init: r.init ?? null,
    backend: null,
    data: null,
    started: null,
    params: null,
    progress: null,
    loss: emptySeries(),
    auc: emptySeries(),
    readouts: emptySeries(),
    lastEval: null,
    lastEpoch: null,
    done: null,
    flags: [],
    error: null,
    kernelsPerStep: null,
    exportZip: null,
    exportError: null,
  };
}

/** Not ended yet: queued, or in a worker. */
export function isActive(run: RunState | null): boolean {
  return (
    run !== null &&
    run.status !== 'done' &&
    run.status !== 'error' &&
    run.status !== 'stopped' &&
    run.status !== 'interrupted'
  );
}

/** The run as it stands when the page ends its worker after Stop: every curve and evaluation kept, and why. */
export function stoppedByPage(run: RunState, message: string): RunState {
  if (!isActive(run)) return run;
  return { ...run, status: 'stopped', error: { message, keptResults: run.lastEval !== null } };
}

/** A run read back from an earlier visit that was still queued or in its worker then: it will not go on. */
export function interrupted(run: RunState): RunState {
  return isActive(run) ? { ...run, status: 'interrupted' } : run;
}

/** Has a worker of its own now (started and not ended). */
export function isRunning(run: RunState): boolean {
  return isActive(run) && run.status !== 'queued';
}

function applyTrainEvent(run: RunState, ev: TrainEvent): RunState {
  switch (ev.type) {
    case 'started':
      return { ...run, started: ev, params: ev.params };
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
    case 'flag':
      return { ...run, flags: [...run.flags, ev.flag] };
    case 'done': {
      const { type: _type, ...done } = ev;
      return { ...run, status: 'done', done };
    }
  }
}

/**
 * Folds one worker event into the run. Events of another run change nothing; once the run has ended only what
 * the worker measures or builds after it (the profile, the export) is still taken.
 */
export function applyWorkerEvent(run: RunState, ev: WorkerEvent): RunState {
  if (ev.runId !== run.id) return run;
  switch (ev.type) {
    case 'profile':
      return { ...run, kernelsPerStep: ev.kernelsPerStep };
    case 'export':
      return { ...run, exportZip: new Uint8Array(ev.zip), exportError: null };
    case 'export-failed':
      return { ...run, exportError: ev.message };
    // `dataset` is the run's parse for the runs after it: runClient hands it on, the run's state holds none of it.
    case 'closed':
    case 'dataset':
      return run;
  }
  if (!isActive(run)) return run;
  switch (ev.type) {
    case 'imported':
      // Named after what the zip holds, not the file's name: the configuration, and what became of it here.
      return {
        ...run,
        experiment: ev.experiment,
        name: `${configName(ev.experiment.model.id, ev.experiment.model.options)} · ${run.init?.mode === 'continue' ? 'trained further' : 'imported'}`,
      };
    case 'backend':
      return { ...run, backend: ev };
    case 'model':
      return { ...run, params: ev.params };
    case 'status':
      return { ...run, status: ev.status };
    case 'data':
      return { ...run, data: ev };
    case 'train':
      return applyTrainEvent(run, ev.event);
    case 'evaluated':
      return {
        ...run,
        status: 'done',
        done: {
          reason: 'evaluated',
          steps: 0,
          epochs: 0,
          bestEpoch: 0,
          weightsFrom: { kind: 'imported' },
          flags: [],
          test: ev.test,
        },
      };
    case 'error':
      return {
        ...run,
        status: 'error',
        // The page holds every evaluation it was sent, whatever the worker knew when it failed.
        error: {
          message: ev.message,
          column: ev.column,
          row: ev.row,
          keptResults: ev.keptResults || run.lastEval !== null,
        },
      };
  }
}

/**
 * Folds a batch of events into the list: each run takes only its own events, and a run without any keeps its
 * identity (its panels do not re-render).
 */
export function applyWorkerEvents(runs: readonly RunState[], events: readonly WorkerEvent[]): RunState[] {
  const byRun = new Map<string, WorkerEvent[]>();
  for (const ev of events) {
    const list = byRun.get(ev.runId);
    if (list) list.push(ev);
    else byRun.set(ev.runId, [ev]);
  }
  return runs.map((r) => byRun.get(r.id)?.reduce(applyWorkerEvent, r) ?? r);
}
