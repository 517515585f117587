import { describe, expect, it } from 'vitest';
import type { RunFlag } from './events';
import { LEAK_MIN_CLASS_ROWS, RunMonitor } from './monitor';
import type { EvalReport, SliceMetrics } from './report';

const cell = (auc: number | null, rows = 400, positives = 100): SliceMetrics => ({
  auc,
  logloss: 0.5,
  rows,
  positives,
});

function report(byCell: SliceMetrics[][]): EvalReport {
  return {
    split: 'valid',
    partial: false,
    rows: 800,
    byCell,
    byTask: [],
    meanCellAuc: null,
    meanTaskAuc: null,
    aux: {},
    gates: [],
  };
}

function monitor(): { m: RunMonitor; flags: RunFlag[] } {
  const flags: RunFlag[] = [];
  return { m: new RunMonitor(['feed', 'mall'], ['click', 'buy'], (f) => flags.push(f)), flags };
}

describe('RunMonitor', () => {
  it('flags a smoothed task loss at 100× its lowest, once, and not a loss that merely doubles', () => {
    const { m, flags } = monitor();
    [1.4, 1.2, 1.0, 2.0, 2.5, 2.0].forEach((loss, i) => m.onStep(i + 1, loss, 0.001));
    expect(flags).toEqual([]);
    // Smoothed 1.57 after these, lowest 1.342: 1,200 lifts it to 121 (< 100 × 1.342), a second 1,200 to 229 (>).
    m.onStep(7, 1200, 0.001);
    expect(flags).toEqual([]);
    m.onStep(8, 1200, 0.001);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'loss-growth', step: 8 });
    expect(flags[0].message).toMatch(/grew from 1\.34 to 229 .*learning rate \(now 0\.001\)/);
    m.onStep(9, 1e6, 0.001);
    expect(flags).toHaveLength(1);
  });

  it('flags evaluations where every scored cell is exactly 0.5, but not the untrained model nor 0.5001', () => {
    const { m, flags } = monitor();
    m.onEval(
      0,
      1,
      report([
        [cell(0.5), cell(0.5)],
        [cell(0.5), cell(null)],
      ]),
      0.1,
    );
    m.onEval(
      10,
      1,
      report([
        [cell(0.5), cell(0.5001)],
        [cell(0.5), cell(null)],
      ]),
      0.1,
    );
    expect(flags).toEqual([]);
    m.onEval(
      20,
      1,
      report([
        [cell(0.5), cell(0.5)],
        [cell(0.5), cell(null)],
      ]),
      10,
    );
    expect(flags.map((f) => f.kind)).toEqual(['chance-level']);
    expect(flags[0].message).toMatch(/exactly 0\.5 at step 20.*now 10/);
  });

  it('flags a first-epoch cell past 0.99 once, naming it; not later epochs, not a cell with few of a class', () => {
    const { m, flags } = monitor();
    const few = LEAK_MIN_CLASS_ROWS - 1;
    m.onEval(
      5,
      1,
      report([
        [cell(0.95), cell(0.995, 400, few)],
        [cell(0.97), cell(0.98)],
      ]),
      0.001,
    );
    expect(flags).toEqual([]);
    m.onEval(
      10,
      1,
      report([
        [cell(0.95), cell(0.991)],
        [cell(0.97), cell(0.98)],
      ]),
      0.001,
    );
    m.onEval(
      12,
      1,
      report([
        [cell(0.95), cell(0.993)],
        [cell(0.97), cell(0.98)],
      ]),
      0.001,
    );
    m.onEval(
      30,
      2,
      report([
        [cell(0.999), cell(0.993)],
        [cell(0.97), cell(0.98)],
      ]),
      0.001,
    );
    expect(flags.map((f) => [f.kind, f.step])).toEqual([['possible-leak', 10]]);
    expect(flags[0].message).toMatch(/buy in feed reached valid AUC 0\.9910 in the first epoch/);
  });
});
