import { auc } from '../metrics/auc';
import { SPLITS, type DataMapping, type SplitName } from '../data/types';
import { Rng } from '../util/rng';
import { sampleRows, type SynthRows } from './features';
import type { CellGrid, CellStats, OracleAuc, OracleSplit, SplitStats } from './manifest';
import { numericNames, resolveFields, validateSpec, type SynthSpec } from './spec';
import { plantStructure, trueProbs, type PlantedStructure } from './structure';

const DOMAIN_COLUMN = 'domain';
const SPLIT_COLUMN = 'split';
/** Share of the rows in train, valid and test. */
const SPLIT_SHARES: Record<SplitName, number> = { train: 0.8, valid: 0.1, test: 0.1 };

/** Everything the generator knows about its rows, beyond the CSV: for tests and analyses. */
export interface SynthTruth {
  rows: SynthRows;
  structure: PlantedStructure;
  /** Per task: the true probability of each row. */
  probs: Float64Array[];
  /** Per task: each row's 0/1 label. */
  labels: Uint8Array[];
  /** Index into SPLITS per row. */
  split: Uint8Array;
}

export interface SynthResult {
  csv: string;
  oracle: OracleAuc;
  stats: SplitStats;
  mapping: DataMapping;
  truth: SynthTruth;
}

/** Exactly SPLIT_SHARES of the rows (up to rounding), at seeded random positions. */
function assignSplits(n: number, rng: Rng): Uint8Array {
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const nTrain = Math.round(n * SPLIT_SHARES.train);
  const nValid = Math.round(n * SPLIT_SHARES.valid);
  const split = new Uint8Array(n);
  for (let r = 0; r < n; r++) split[order[r]] = r < nTrain ? 0 : r < nTrain + nValid ? 1 : 2;
  return split;
}

/** The CSV header line's cells: domain, the categorical fields, the numeric ones, one label per task, split. */
function csvHeader(spec: SynthSpec): string[] {
  return [
    DOMAIN_COLUMN,
    ...resolveFields(spec).map((f) => f.name),
    ...numericNames(spec),
    ...spec.tasks.map((x) => x.name),
    SPLIT_COLUMN,
  ];
}

/**
 * The CSV as lines (header first), yielded one at a time so a caller may stream a file of millions of rows
 * (the upload benchmark) without holding its text.
 */
export function* csvLines(spec: SynthSpec, t: SynthTruth): Generator<string> {
  yield csvHeader(spec).join(',');
  const { rows } = t;
  const K = rows.numCat;
  const M = rows.numNum;
  const prefixes = resolveFields(spec).map((f) => f.prefix);
  const cells: string[] = [];
  for (let i = 0; i < rows.n; i++) {
    cells.length = 0;
    cells.push(spec.domains[rows.domain[i]].name);
    for (let k = 0; k < K; k++) cells.push(`${prefixes[k]}${rows.cat[i * K + k]}`);
    for (let j = 0; j < M; j++) cells.push(rows.num[i * M + j].toFixed(4));
    for (const l of t.labels) cells.push(l[i] ? '1' : '0');
    cells.push(SPLITS[t.split[i]]);
    yield cells.join(',');
  }
}

function toCsv(spec: SynthSpec, t: SynthTruth): string {
  return [...csvLines(spec, t)].join('\n') + '\n';
}

function oracleOf(spec: SynthSpec, t: SynthTruth, split: number): OracleSplit {
  const inSplit = Int32Array.from({ length: t.rows.n }, (_, i) => i).filter((i) => t.split[i] === split);
  const byCell: CellGrid<number | null> = {};
  spec.domains.forEach((d, di) => {
    const rows = inSplit.filter((i) => t.rows.domain[i] === di);
    byCell[d.name] = Object.fromEntries(
      spec.tasks.map((task, ti) => [task.name, auc(t.probs[ti], t.labels[ti], rows)]),
    );
  });
  const byTask = Object.fromEntries(
    spec.tasks.map((task, ti) => [task.name, auc(t.probs[ti], t.labels[ti], inSplit)]),
  );
  return { byCell, byTask };
}

function statsOf(spec: SynthSpec, t: SynthTruth): SplitStats {
  const T = spec.tasks.length;
  const D = spec.domains.length;
  const count = SPLITS.map(() => new Float64Array(D));
  const pos = SPLITS.map(() => new Float64Array(D * T));
  for (let i = 0; i < t.rows.n; i++) {
    const s = t.split[i];
    const d = t.rows.domain[i];
    count[s][d]++;
    for (let ti = 0; ti < T; ti++) pos[s][d * T + ti] += t.labels[ti][i];
  }
  const grid = (s: number): CellGrid<CellStats> =>
    Object.fromEntries(
      spec.domains.map((dom, d) => [
        dom.name,
        Object.fromEntries(
          spec.tasks.map((task, ti) => [task.name, { rows: count[s][d], positives: pos[s][d * T + ti] }]),
        ),
      ]),
    );
  return { train: grid(0), valid: grid(1), test: grid(2) };
}

function mappingOf(spec: SynthSpec): DataMapping {
  return {
    dataset: spec.id,
    domain: DOMAIN_COLUMN,
    tasks: spec.tasks.map((t) => ({ name: t.name, column: t.name, rule: '== 1' })),
    numeric: numericNames(spec),
    categorical: resolveFields(spec).map((f) => f.name),
    split: SPLIT_COLUMN,
  };
}

/**
 * Samples a dataset with planted structure: rows, true probabilities, labels, split. Independent random streams
 * (parameters, rows, labels, split) are derived from the seed, so e.g. a different noise level relabels the same
 * rows in the same splits.
 */
export function sampleTruth(spec: SynthSpec): SynthTruth {
  validateSpec(spec);
  const root = new Rng(spec.seed);
  const paramRng = new Rng(root.seed());
  const rowRng = new Rng(root.seed());
  const labelRng = new Rng(root.seed());
  const splitRng = new Rng(root.seed());

  const rows = sampleRows(spec, paramRng, rowRng);
  const structure = plantStructure(spec, rows, paramRng);
  const probs = trueProbs(structure, rows);
  const labels = probs.map(() => new Uint8Array(rows.n));
  for (let i = 0; i < rows.n; i++)
    for (let t = 0; t < probs.length; t++) labels[t][i] = labelRng.next() < probs[t][i] ? 1 : 0;
  return { rows, structure, probs, labels, split: assignSplits(rows.n, splitRng) };
}

/** A dataset with planted structure: its CSV, oracle AUC and per-cell stats. */
export function generate(spec: SynthSpec): SynthResult {
  const truth = sampleTruth(spec);
  return {
    csv: toCsv(spec, truth),
    oracle: { valid: oracleOf(spec, truth, 1), test: oracleOf(spec, truth, 2) },
    stats: statsOf(spec, truth),
    mapping: mappingOf(spec),
    truth,
  };
}
