/**
 * The comparison table as data: finished runs grouped by configuration (the runs of one configuration over
 * several seeds form one row), each (domain, task) cell's and each task's test AUC and logloss as mean ± std
 * over the seeds, the best row of each column, and, for the others, whether their gap to the best is within
 * seed noise (engine `compareCells`: |Δ| ≤ 2 standard errors).
 */
import {
  bestPerColumn,
  compareCells,
  summarize,
  type NoiseVerdict,
  type Summary,
} from '../../../engine/metrics/compare';
import type { SliceMetrics } from '../../../engine/train/report';
import type { BackendName } from '../../../workers/protocol';
import type { RunState } from '../../state/runState';

export type MetricName = 'auc' | 'logloss';
export const METRICS: readonly MetricName[] = ['auc', 'logloss'];

/** A (domain, task) cell, or a task over all domains (`domain` null). */
export interface CompareColumn {
  key: string;
  domain: string | null;
  task: string;
}

export interface CompareValue {
  summary: Summary;
  /** The value per run (seed order), for the noise rule. */
  values: number[];
  best: boolean;
  /** Against the column's best row; null for a best row or a column without one. */
  vsBest: NoiseVerdict | null;
}

export interface CompareRow {
  /** The configuration's name, made unique in the table. */
  name: string;
  runIds: string[];
  seeds: number[];
  /** [column][metric] */
  values: Record<MetricName, CompareValue>[];
  params: number | null;
  msPerStep: Summary;
  samplesPerSecond: Summary;
  backends: BackendName[];
}

export interface CompareTable {
  columns: CompareColumn[];
  rows: CompareRow[];
  /** The distinct data fingerprints of the compared runs: one means every run saw the same split. */
  fingerprints: string[];
}

type FinishedRun = RunState & { done: NonNullable<RunState['done']>; data: NonNullable<RunState['data']> };

function isFinished(r: RunState): r is FinishedRun {
  return r.status === 'done' && r.done !== null && r.data !== null;
}

/** Runs of one configuration: the same name, data, model, settings other than the seed, backend choice and origin. */
export function configKey(r: RunState): string {
  const { seed: _seed, ...train } = r.experiment.train;
  return JSON.stringify([
    r.name,
    r.experiment.data,
    r.experiment.model,
    train,
    r.backendChoice,
    r.init?.mode ?? null,
  ]);
}

function columnsOf(runs: FinishedRun[]): CompareColumn[] {
  const out = new Map<string, CompareColumn>();
  const add = (domain: string | null, task: string) => {
    const key = JSON.stringify([domain, task]);
    if (!out.has(key)) out.set(key, { key, domain, task });
  };
  for (const r of runs)
    for (const task of r.data.tasks) {
      for (const domain of r.data.domains) add(domain, task);
      add(null, task);
    }
  // Tasks together, their cells first and the task over all domains last.
  const tasks = [...new Set([...out.values()].map((c) => c.task))];
  return tasks.flatMap((t) => {
    const cols = [...out.values()].filter((c) => c.task === t);
    return [...cols.filter((c) => c.domain !== null), ...cols.filter((c) => c.domain === null)];
  });
}

function sliceOf(r: FinishedRun, c: CompareColumn): SliceMetrics | undefined {
  const ti = r.data.tasks.indexOf(c.task);
  if (ti < 0) return undefined;
  if (c.domain === null) return r.done.test.byTask[ti];
  const di = r.data.domains.indexOf(c.domain);
  return di < 0 ? undefined : r.done.test.byCell[di]?.[ti];
}

const numbers = (xs: (number | null | undefined)[]): number[] =>
  xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

export function compareTable(runs: readonly RunState[]): CompareTable {
  const finished = runs.filter(isFinished);
  const groups = new Map<string, FinishedRun[]>();
  for (const r of finished) {
    const key = configKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const columns = columnsOf(finished);
  const taken = new Map<string, number>();
  const rows = [...groups.values()].map((group): CompareRow => {
    const sorted = [...group].sort((a, b) => a.experiment.train.seed - b.experiment.train.seed);
    const base = sorted[0].name;
    const k = (taken.get(base) ?? 0) + 1;
    taken.set(base, k);
    const raw = columns.map((c) => {
      const slices = sorted.map((r) => sliceOf(r, c));
      return Object.fromEntries(
        METRICS.map((m) => {
          const values = numbers(slices.map((s) => s?.[m]));
          return [m, { summary: summarize(values), values, best: false, vsBest: null }];
        }),
      ) as Record<MetricName, CompareValue>;
    });
    return {
      name: k === 1 ? base : `${base} #${k}`,
      runIds: sorted.map((r) => r.id),
      seeds: sorted.map((r) => r.experiment.train.seed),
      values: raw,
      params: sorted.find((r) => r.params !== null)?.params ?? null,
      msPerStep: summarize(numbers(sorted.map((r) => r.progress?.msPerStep))),
      samplesPerSecond: summarize(numbers(sorted.map((r) => r.progress?.samplesPerSecond))),
      backends: [...new Set(sorted.flatMap((r) => (r.backend ? [r.backend.backend] : [])))],
    };
  });
  markBest(rows, columns.length);
  return { columns, rows, fingerprints: [...new Set(finished.map((r) => r.data.fingerprint))] };
}

/** Marks each column's best row per metric and rates every other row's gap to it against seed noise. */
function markBest(rows: CompareRow[], columns: number): void {
  for (const m of METRICS) {
    const means = rows.map((r) => r.values.map((v) => v[m].summary.mean));
    const best = bestPerColumn(means, new Array<boolean>(columns).fill(m === 'auc'));
    for (let c = 0; c < columns; c++) {
      const bestRow = rows.findIndex((_, i) => best[i][c]);
      rows.forEach((r, i) => {
        const cell = r.values[c][m];
        cell.best = best[i][c];
        if (bestRow < 0 || cell.best || cell.values.length === 0) return;
        cell.vsBest = compareCells(cell.values, rows[bestRow].values[c][m].values).verdict;
      });
    }
  }
}
