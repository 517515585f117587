import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../engine/train/config';
import type { EvalReport } from '../engine/train/report';
import type { WorkerEvent } from '../workers/protocol';
import { applyWorkerEvent, newRun, type RunState } from './runState';
import { seriesPoints } from './series';

const run = () =>
  newRun(
    'r1',
    {
      data: { domain: 'd', tasks: [{ name: 't', column: 't', rule: '== 1' }] },
      model: { id: 'mmoe', options: {} },
      train: DEFAULT_TRAIN,
    },
    'auto',
    'tiny',
    null,
  );

const fold = (events: WorkerEvent[], start: RunState = run()) => events.reduce(applyWorkerEvent, start);

const progress = (step: number): WorkerEvent => ({
  type: 'train',
  runId: 'r1',
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
const done: WorkerEvent = {
  type: 'train',
  runId: 'r1',
  event: { type: 'done', reason: 'stopped', steps: 2, epochs: 0, bestEpoch: 0, test },
};

describe('run reducer', () => {
  it('follows status, collects the loss curve, and ends on done', () => {
    const r = fold([{ type: 'status', runId: 'r1', status: 'training' }, progress(1), progress(2), done]);
    expect(r.status).toBe('done');
    expect(seriesPoints(r.loss).map((p) => p.step)).toEqual([1, 2]);
    expect(r.progress?.step).toBe(2);
  });

  it("ignores another run's events, and everything but the profile once ended", () => {
    const r = fold([
      progress(1),
      { ...progress(5), runId: 'old' },
      done,
      progress(3),
      { type: 'status', runId: 'r1', status: 'training' },
    ]);
    expect(r.progress?.step).toBe(1);
    expect(r.status).toBe('done');
    expect(fold([{ type: 'profile', runId: 'r1', kernelsPerStep: 208 }], r).kernelsPerStep).toBe(208);
  });

  it('keeps the error with its column and row', () => {
    const r = fold([
      { type: 'error', runId: 'r1', message: 'bad', column: 'c1', row: 7, keptResults: false },
    ]);
    expect(r.status).toBe('error');
    expect(r.error).toEqual({ message: 'bad', column: 'c1', row: 7, keptResults: false });
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
