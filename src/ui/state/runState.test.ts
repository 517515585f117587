import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../../engine/train/config';
import type { EvalReport } from '../../engine/train/report';
import type { WorkerEvent } from '../../workers/protocol';
import {
  applyWorkerEvent,
  applyWorkerEvents,
  isActive,
  newRun,
  stoppedByPage,
  type RunState,
} from './runState';
import { seriesPoints } from './series';

const run = (id = 'r1') =>
  newRun({
    id,
    name: 'mmoe',
    experiment: {
      data: { domain: 'd', tasks: [{ name: 't', column: 't', rule: '== 1' }] },
      model: { id: 'mmoe', options: {} },
      train: DEFAULT_TRAIN,
    },
    backendChoice: 'auto',
    datasetName: 'tiny',
    oracle: null,
  });

const fold = (events: WorkerEvent[], start: RunState = run()) => events.reduce(applyWorkerEvent, start);

const progress = (step: number, runId = 'r1'): WorkerEvent => ({
  type: 'train',
  runId,
  event: {
    type: 'progress',
    step,
    epoch: 1,
    loss: 1 / step,
    taskLoss: { t: 1 / step },
    aux: {},
    samplesPerSecond: 100,
    msPerStep: 10,
  },
});

const test: EvalReport = {
  split: 'test',
  partial: false,
  rows: 1,
  byCell: [],
  byTask: [],
  meanCellAuc: null,
  meanTaskAuc: null,
  aux: {},
  gates: [],
};
const done = (runId = 'r1'): WorkerEvent => ({
  type: 'train',
  runId,
  event: {
    type: 'done',
    reason: 'stopped',
    steps: 2,
    epochs: 0,
    bestEpoch: 0,
    weightsFrom: { kind: 'last', step: 2 },
    flags: [],
    test,
  },
});

describe('run reducer', () => {
  it('starts queued, follows status, collects the loss curve, and ends on done', () => {
    expect(run().status).toBe('queued');
    const r = fold([{ type: 'status', runId: 'r1', status: 'training' }, progress(1), progress(2), done()]);
    expect(r.status).toBe('done');
    expect(r.done).toEqual({
      reason: 'stopped',
      steps: 2,
      epochs: 0,
      bestEpoch: 0,
      weightsFrom: { kind: 'last', step: 2 },
      flags: [],
      test,
    });
    expect(seriesPoints(r.loss).map((p) => p.step)).toEqual([1, 2]);
    expect(r.progress?.step).toBe(2);
  });

  it("ignores another run's events, and everything but the profile and export once ended", () => {
    const r = fold([
      progress(1),
      { ...progress(5), runId: 'old' },
      done(),
      progress(3),
      { type: 'status', runId: 'r1', status: 'training' },
    ]);
    expect(r.progress?.step).toBe(1);
    expect(r.status).toBe('done');
    const zip = new Uint8Array([80, 75, 3, 4]);
    const after = fold(
      [
        { type: 'profile', runId: 'r1', kernelsPerStep: 208 },
        { type: 'export', runId: 'r1', zip: zip.slice().buffer },
        { type: 'closed', runId: 'r1' },
      ],
      r,
    );
    expect(after.kernelsPerStep).toBe(208);
    expect(after.exportZip).toEqual(zip);
    expect(fold([{ type: 'export-failed', runId: 'r1', message: 'no room' }], r).exportError).toBe('no room');
  });

  it('ends an evaluation run with its test report and no training steps', () => {
    const r = fold([
      { type: 'status', runId: 'r1', status: 'evaluating' },
      { type: 'evaluated', runId: 'r1', test },
    ]);
    expect(r.status).toBe('done');
    expect(r.done).toEqual({
      reason: 'evaluated',
      steps: 0,
      epochs: 0,
      bestEpoch: 0,
      weightsFrom: { kind: 'imported' },
      flags: [],
      test,
    });
  });

  it("collects the trainer's flags as they come, in order", () => {
    const flag = (kind: 'loss-growth' | 'chance-level', step: number): WorkerEvent => ({
      type: 'train',
      runId: 'r1',
      event: { type: 'flag', flag: { kind, step, message: `${kind} at ${step}` } },
    });
    const r = fold([
      { type: 'status', runId: 'r1', status: 'training' },
      flag('loss-growth', 3),
      flag('chance-level', 9),
    ]);
    expect(r.flags.map((f) => [f.kind, f.step])).toEqual([
      ['loss-growth', 3],
      ['chance-level', 9],
    ]);
  });

  it('an imported run is named after the configuration its zip holds, and every run learns its size', () => {
    const imported = {
      ...run(),
      name: 'notes-from-tuesday',
      init: { mode: 'evaluate' as const, file: 'x.zip' },
    };
    const experiment = { ...imported.experiment, model: { id: 'mmoe', options: { experts: 3 } } };
    const r = fold(
      [
        { type: 'imported', runId: 'r1', experiment },
        { type: 'model', runId: 'r1', params: 4321 },
      ],
      imported,
    );
    expect(r.name).toBe('MMoE · custom · imported');
    expect(r.experiment).toBe(experiment);
    expect(r.params).toBe(4321);
    const further = fold([{ type: 'imported', runId: 'r1', experiment }], {
      ...imported,
      init: { mode: 'continue', file: 'x.zip' },
    });
    expect(further.name).toBe('MMoE · custom · trained further');
  });

  it('keeps the error with its column and row', () => {
    const r = fold([
      { type: 'error', runId: 'r1', message: 'bad', column: 'c1', row: 7, keptResults: false },
    ]);
    expect(r.status).toBe('error');
    expect(r.error).toEqual({ message: 'bad', column: 'c1', row: 7, keptResults: false });
  });

  it('says the results are kept when the page holds an evaluation, whatever the failing worker knew', () => {
    const evaluated: WorkerEvent = {
      type: 'train',
      runId: 'r1',
      event: { type: 'eval', step: 2, epoch: 1, report: test },
    };
    const r = fold([
      progress(1),
      evaluated,
      { type: 'error', runId: 'r1', message: 'lost', keptResults: false },
    ]);
    expect(r.error?.keptResults).toBe(true);
  });

  it('ends a run stopped by the page with its curves and evaluations, and takes nothing from its worker after', () => {
    const evaluated: WorkerEvent = {
      type: 'train',
      runId: 'r1',
      event: { type: 'eval', step: 2, epoch: 1, report: test },
    };
    const running = fold([{ type: 'status', runId: 'r1', status: 'training' }, progress(1), evaluated]);
    const stopped = stoppedByPage(running, 'ended by the watchdog');
    expect(stopped.status).toBe('stopped');
    expect(stopped.error).toEqual({ message: 'ended by the watchdog', keptResults: true });
    expect(stopped.lastEval).toBe(running.lastEval);
    expect(stopped.loss).toBe(running.loss);
    expect(isActive(stopped)).toBe(false);
    expect(fold([progress(9), done()], stopped)).toEqual(stopped);
    // A run that ended on its own keeps its ending.
    const finished = fold([done()], running);
    expect(stoppedByPage(finished, 'late')).toBe(finished);
  });
});

describe('several runs', () => {
  it('gives each run its own events only, and leaves runs without events untouched', () => {
    const runs = [run('a'), run('b'), run('c')];
    const next = applyWorkerEvents(runs, [
      progress(1, 'a'),
      progress(7, 'b'),
      progress(2, 'a'),
      { type: 'error', runId: 'b', message: 'lost', keptResults: true },
      progress(9, 'nobody'),
    ]);
    expect(next[0].progress?.step).toBe(2);
    expect(seriesPoints(next[0].loss).map((p) => p.step)).toEqual([1, 2]);
    expect(next[0].status).toBe('queued');
    expect(next[1].progress?.step).toBe(7);
    expect(next[1].status).toBe('error');
    expect(next[1].error?.message).toBe('lost');
    expect(next[2]).toBe(runs[2]);
  });
});

describe('readouts', () => {
  const evalEvent = (step: number, inspect?: EvalReport['inspect']): WorkerEvent => ({
    type: 'train',
    runId: 'r1',
    event: { type: 'eval', step, epoch: 1, report: { ...test, split: 'valid', inspect } },
  });

  it('collects scalar inspections per evaluation, and none for a model without', () => {
    const r = fold([evalEvent(5, { 'σ(α_D)': 0.7, m: [[1]] }), evalEvent(10, { 'σ(α_D)': 0.8, m: [[2]] })]);
    expect(seriesPoints(r.readouts)).toEqual([
      { step: 5, values: { 'σ(α_D)': 0.7 } },
      { step: 10, values: { 'σ(α_D)': 0.8 } },
    ]);
    expect(r.lastEval?.report.inspect?.m).toEqual([[2]]);
    expect(fold([evalEvent(5), evalEvent(10)]).readouts.seen).toBe(0);
  });
});
