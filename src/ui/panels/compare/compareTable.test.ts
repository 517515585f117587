import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../../../engine/train/config';
import type { EvalReport, SliceMetrics } from '../../../engine/train/report';
import type { WorkerEvent } from '../../../workers/protocol';
import { compareTable } from './compareTable';
import { applyWorkerEvents, newRun, type RunState } from '../../state/runState';

const slice = (auc: number, logloss: number): SliceMetrics => ({ auc, logloss, rows: 100, positives: 10 });

/** A finished run on domains [a, b] × task [click]: cell AUCs, task AUC = their mean, logloss 1 − AUC. */
function finished(
  name: string,
  seed: number,
  cellAucs: [number, number],
  fingerprint = 'f1',
  lr = 0.001,
): RunState {
  const id = `${name}-${seed}-${fingerprint}-${lr}`;
  const taskAuc = (cellAucs[0] + cellAucs[1]) / 2;
  const test: EvalReport = {
    split: 'test',
    partial: false,
    rows: 200,
    byCell: cellAucs.map((a) => [slice(a, 1 - a)]),
    byTask: [slice(taskAuc, 1 - taskAuc)],
    meanCellAuc: taskAuc,
    meanTaskAuc: taskAuc,
    aux: {},
    gates: [],
  };
  const events: WorkerEvent[] = [
    { type: 'backend', runId: id, backend: 'wasm', adapter: null, fallbacks: [] },
    {
      type: 'data',
      runId: id,
      rows: 1000,
      splitRows: { train: 800, valid: 100, test: 100 },
      domains: ['a', 'b'],
      tasks: ['click'],
      cells: [],
      vocabSize: 10,
      skipped: { count: 0, examples: [] },
      fingerprint,
    },
    {
      type: 'train',
      runId: id,
      event: {
        type: 'done',
        reason: 'completed',
        steps: 10,
        epochs: 1,
        bestEpoch: 1,
        weightsFrom: { kind: 'best', epoch: 1, step: 10 },
        flags: [],
        test,
      },
    },
  ];
  const run = newRun({
    id,
    name,
    experiment: {
      data: { dataset: 'tiny', domain: 'domain', tasks: [{ name: 'click', column: 'click', rule: '== 1' }] },
      model: { id: 'mmoe', options: { name } },
      train: { ...DEFAULT_TRAIN, seed, learningRate: lr },
    },
    backendChoice: 'wasm',
    datasetName: 'tiny',
    oracle: null,
  });
  return applyWorkerEvents([run], events)[0];
}

describe('comparison table', () => {
  it('has a column per (domain, task) cell then the task over all domains', () => {
    const t = compareTable([finished('x', 1, [0.7, 0.8])]);
    expect(t.columns.map((c) => [c.domain, c.task])).toEqual([
      ['a', 'click'],
      ['b', 'click'],
      [null, 'click'],
    ]);
  });

  it('groups seeds of one configuration into a row with mean ± std, and leaves unfinished runs out', () => {
    const queued = newRun({ ...finished('x', 9, [0.5, 0.5]), id: 'q' });
    const t = compareTable([finished('x', 2, [0.72, 0.8]), finished('x', 1, [0.7, 0.8]), queued]);
    expect(t.rows).toHaveLength(1);
    const [row] = t.rows;
    expect(row.seeds).toEqual([1, 2]);
    expect(row.values[0].auc.summary.n).toBe(2);
    expect(row.values[0].auc.summary.mean).toBeCloseTo(0.71, 12);
    expect(row.values[0].auc.summary.std).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(row.backends).toEqual(['wasm']);
  });

  it('marks the best row per column (highest AUC, lowest logloss) and flags gaps within seed noise', () => {
    const t = compareTable([
      // "wide": cell a about 0.70 ± 0.05 — "tight": cell a about 0.72 ± 0.001, cell b far below "wide"'s.
      finished('wide', 1, [0.65, 0.9]),
      finished('wide', 2, [0.75, 0.91]),
      finished('tight', 1, [0.719, 0.6]),
      finished('tight', 2, [0.721, 0.61]),
    ]);
    const [wide, tight] = t.rows;
    expect([wide.name, tight.name]).toEqual(['wide', 'tight']);
    // Cell a: tight is best, wide's gap (0.02) is well within its seed noise.
    expect(tight.values[0].auc.best).toBe(true);
    expect(tight.values[0].logloss.best).toBe(true);
    expect(wide.values[0].auc).toMatchObject({ best: false, vsBest: 'within-noise' });
    // Cell b: wide is best by far, beyond noise.
    expect(wide.values[1].auc.best).toBe(true);
    expect(tight.values[1].auc).toMatchObject({ best: false, vsBest: 'beyond-noise' });
    expect(tight.values[1].logloss).toMatchObject({ best: false, vsBest: 'beyond-noise' });
  });

  it('says nothing about noise for single-seed rows', () => {
    const t = compareTable([finished('x', 1, [0.7, 0.8]), finished('y', 1, [0.6, 0.9])]);
    expect(t.rows[1].values[0].auc.vsBest).toBe('noise-unknown');
    expect(t.rows[0].values[0].auc.vsBest).toBeNull();
  });

  it('keeps configurations that share a name but differ apart, and reports the distinct splits', () => {
    const t = compareTable([finished('x', 1, [0.7, 0.8], 'f1'), finished('x', 1, [0.7, 0.8], 'f2', 0.01)]);
    expect(t.rows.map((r) => r.name)).toEqual(['x', 'x #2']);
    expect(t.fingerprints).toEqual(['f1', 'f2']);
    expect(compareTable([finished('x', 1, [0.7, 0.8]), finished('y', 1, [0.7, 0.8])]).fingerprints).toEqual([
      'f1',
    ]);
  });
});
