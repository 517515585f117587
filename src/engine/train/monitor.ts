/**
 * Watches a run for numbers that look fine but are not: a loss that grows by orders of magnitude, evaluations
 * where every cell sits exactly at chance (the network died: constant predictions), and cells that pass 0.99
 * validation AUC within the first epoch (a feature may be derived from the label). Each kind is flagged once (a
 * leak once per cell), as it happens.
 */
import type { RunFlag } from './events';
import type { EvalReport } from './report';

/** "Orders of magnitude": the smoothed task loss at this multiple of its lowest value so far. */
export const LOSS_GROWTH_FACTOR = 100;
/** Smoothing of the loss (exponential moving average weight of a new step). */
const LOSS_SMOOTHING = 0.1;
/** Validation AUC past which a first-epoch cell looks too easy. */
export const LEAK_AUC = 0.99;
/** A cell's AUC is read only with this many positives and negatives: on a handful of rows 0.99 is luck. */
export const LEAK_MIN_CLASS_ROWS = 20;

export class RunMonitor {
  private readonly flagged: RunFlag[] = [];
  private readonly leakCells = new Set<string>();
  private smoothed: number | null = null;
  private lowest = Infinity;

  constructor(
    private readonly domains: readonly string[],
    private readonly tasks: readonly string[],
    private readonly emit: (flag: RunFlag) => void,
  ) {}

  get flags(): RunFlag[] {
    return this.flagged.slice();
  }

  private raise(flag: RunFlag): void {
    this.flagged.push(flag);
    this.emit(flag);
  }

  private has(kind: RunFlag['kind']): boolean {
    return this.flagged.some((f) => f.kind === kind);
  }

  /** `taskLoss`: the sum of the task losses of the step (never the auxiliary terms, which may be negative). */
  onStep(step: number, taskLoss: number, learningRate: number): void {
    this.smoothed =
      this.smoothed === null ? taskLoss : (1 - LOSS_SMOOTHING) * this.smoothed + LOSS_SMOOTHING * taskLoss;
    this.lowest = Math.min(this.lowest, this.smoothed);
    if (!this.has('loss-growth') && this.smoothed > LOSS_GROWTH_FACTOR * this.lowest) {
      this.raise({
        kind: 'loss-growth',
        step,
        message:
          `the task loss grew from ${fmt(this.lowest)} to ${fmt(this.smoothed)} (smoothed) by step ${step}: ` +
          `training is diverging; lower the learning rate (now ${learningRate})`,
      });
    }
  }

  /** `step` 0 is the untrained model: chance there is no finding. */
  onEval(step: number, epoch: number, report: EvalReport, learningRate: number): void {
    const cells = report.byCell.flatMap((row, d) => row.map((c, t) => ({ ...c, d, t })));
    const scored = cells.filter((c) => c.auc !== null);
    if (step > 0 && !this.has('chance-level') && scored.length > 0 && scored.every((c) => c.auc === 0.5)) {
      this.raise({
        kind: 'chance-level',
        step,
        message:
          `every cell's ${report.split} AUC is exactly 0.5 at step ${step}: the model gives every row the same ` +
          `score (a learning rate too high, now ${learningRate}, can kill the network)`,
      });
    }
    if (epoch !== 1) return;
    for (const c of scored) {
      const key = `${c.d}/${c.t}`;
      const enough = c.positives >= LEAK_MIN_CLASS_ROWS && c.rows - c.positives >= LEAK_MIN_CLASS_ROWS;
      if (!enough || (c.auc as number) <= LEAK_AUC || this.leakCells.has(key)) continue;
      this.leakCells.add(key);
      this.raise({
        kind: 'possible-leak',
        step,
        message:
          `possible label leak: ${this.tasks[c.t]} in ${this.domains[c.d]} reached ${report.split} AUC ` +
          `${(c.auc as number).toFixed(4)} in the first epoch (step ${step}); check that no feature is derived ` +
          `from its label, or accept that this cell is this easy`,
      });
    }
  }
}

function fmt(x: number): string {
  return x >= 1000 ? x.toExponential(2) : x.toPrecision(3);
}
