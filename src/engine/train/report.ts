import type { SplitName } from '../data/types';

/** Metrics of one slice of rows (a domain × task cell, a task over all domains, ...). */
export interface SliceMetrics {
  /** null when the slice holds a single class (shown as n/a). */
  auc: number | null;
  logloss: number | null;
  rows: number;
  positives: number;
}

/** Mean gate weight per domain × expert (rows of a domain), for one gate of the model. */
export interface GateStats {
  name: string;
  /** [domain][expert] mean weight over the rows of that domain; zeros for an empty domain. */
  byDomain: number[][];
  /** Mean weight per expert over all rows. */
  overall: number[];
  /** [domain][expert] fraction of the domain's rows giving the expert a non-zero weight (sparse gates). */
  selectedByDomain: number[][];
  /** Mean number of experts with non-zero weight per row. */
  activePerRow: number;
  /** Mutual information (nats) between a row's domain and the experts it selects. */
  selectionMi: number;
}

/** Model-specific readouts for the UI, plain numbers by name (structure weights, phase, mask statistics). */
export type Inspection = Record<string, number | number[] | number[][]>;

export interface EvalReport {
  split: SplitName;
  /** True for a live pass on a fixed sample of the split, false for a full pass. */
  partial: boolean;
  rows: number;
  /** [domain][task] */
  byCell: SliceMetrics[][];
  /** [task], over all domains. */
  byTask: SliceMetrics[];
  /** Mean AUC over the cells that have one: the early-stopping criterion. */
  meanCellAuc: number | null;
  /** Mean AUC over tasks. */
  meanTaskAuc: number | null;
  /** Mean of each auxiliary loss term over the pass. */
  aux: Record<string, number>;
  gates: GateStats[];
  /** The model's own readouts at this evaluation, if it has any. */
  inspect?: Inspection;
}
