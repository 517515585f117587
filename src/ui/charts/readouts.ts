/**
 * What the UI reads from an evaluation beyond the metrics, generically: the model's inspection (scalars become
 * lines over steps, number[] a bar row, number[][] a heatmap) and the routing detail of sparse gates (selection
 * frequency, experts per row, MI between domain and expert). No model is named here: everything follows from
 * the shapes of the values and the dimension names a key may end with ("… [layer][domain]").
 */
import type { EvalReport, GateStats, Inspection } from '../../engine/train/report';

/** One evaluation's scalar readouts by line name. */
export interface ReadoutPoint {
  step: number;
  values: Record<string, number>;
}

/** Rows and columns of a heatmap, with the names its tooltip uses. */
export interface HeatmapSpec {
  rows: string[];
  cols: string[];
  values: number[][];
  /** Longer names for the tooltip (default: the labels). */
  rowTitles?: string[];
  colTitles?: string[];
  /** The last row aggregates the others: drawn apart, under a rule. */
  totalRow?: boolean;
  /** Text in each cell. */
  format?: (v: number) => string;
  /** What the colour measures, under its scale. */
  scaleLabel?: string;
}

/** Prefix of the readout line plotting a sparse gate's MI(domain; expert). */
export const MI_PREFIX = 'MI · ';

/** Share of rows below which an expert counts as never chosen, and above 1 minus which as always chosen. */
export const SELECTION_MARGIN = 0.01;

/**
 * Whether a gate selects experts per row: some expert is chosen in some rows and not in others, either within a
 * domain (a share of its rows strictly between SELECTION_MARGIN and 1 − SELECTION_MARGIN) or across domains
 * (always in one, never in another). An expert every row uses is dense routing, even when its softmax weight
 * underflows to exactly 0 in a few rows (PLE late in training: shares of 0.9999); one no row uses is outside
 * the gate (a PLE gate covers its own unit's experts and the shared ones). Domains without rows in the pass (an
 * all-zero row of `selectedByDomain`) say nothing and are ignored.
 */
export function isSparseGate(gate: GateStats): boolean {
  const rows = gate.selectedByDomain.filter((row) => row.some((v) => v > 0));
  const experts = Math.max(0, ...rows.map((r) => r.length));
  for (let e = 0; e < experts; e++) {
    const shares = rows.map((r) => r[e] ?? 0);
    const sometimes = shares.some((f) => f > SELECTION_MARGIN && f < 1 - SELECTION_MARGIN);
    const always = shares.some((f) => f >= 1 - SELECTION_MARGIN);
    const never = shares.some((f) => f <= SELECTION_MARGIN);
    if (sometimes || (always && never)) return true;
  }
  return false;
}

/** The scalar readouts of one evaluation: the inspection's numbers, then each sparse gate's selection MI. */
export function readoutScalars(report: EvalReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(report.inspect ?? {})) if (typeof v === 'number') out[key] = v;
  for (const g of report.gates) if (isSparseGate(g)) out[`${MI_PREFIX}${g.name}`] = g.selectionMi;
  return out;
}

/** Line names over a run's readout points, in the order they first appear. */
export function readoutNames(points: readonly ReadoutPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const k of Object.keys(p.values)) names.add(k);
  return [...names];
}

/** Names of a run's task and auxiliary loss terms over all its points (first-seen order): every term gets a line. */
export function lossTermNames(
  points: readonly { task: Record<string, number>; aux: Record<string, number> }[],
): {
  tasks: string[];
  aux: string[];
} {
  const tasks = new Set<string>();
  const aux = new Set<string>();
  for (const p of points) {
    for (const k of Object.keys(p.task)) tasks.add(k);
    for (const k of Object.keys(p.aux)) aux.add(k);
  }
  return { tasks: [...tasks], aux: [...aux] };
}

/**
 * Which readout lines go on a second (right) axis, so that a count in the thousands does not flatten a weight
 * near 0.7: lines ordered by the magnitude of their largest value split at the widest gap, when that gap spans
 * more than `minGapDecades` powers of ten; the larger ones go right. All-zero lines stay left.
 */
export function rightAxisLines(
  points: readonly ReadoutPoint[],
  names: string[],
  minGapDecades = 1.5,
): Set<string> {
  const peak = new Map<string, number>();
  for (const p of points) {
    for (const n of names) {
      const v = p.values[n];
      if (v !== undefined && Number.isFinite(v)) peak.set(n, Math.max(peak.get(n) ?? 0, Math.abs(v)));
    }
  }
  const scaled = [...peak]
    .filter(([, v]) => v > 0)
    .map(([n, v]) => [n, Math.log10(v)] as const)
    .sort((a, b) => a[1] - b[1]);
  let cut = -1;
  let widest = minGapDecades;
  for (let i = 1; i < scaled.length; i++) {
    const gap = scaled[i][1] - scaled[i - 1][1];
    if (gap > widest) {
      widest = gap;
      cut = i;
    }
  }
  return new Set(cut < 0 ? [] : scaled.slice(cut).map(([n]) => n));
}

const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.length > 0 && v.every(isVector);

/** The inspection's non-scalar values: vectors (bar rows) and matrices (heatmaps), empty ones left out. */
export function inspectionArrays(inspect: Inspection | undefined): {
  vectors: [string, number[]][];
  matrices: [string, number[][]][];
} {
  const vectors: [string, number[]][] = [];
  const matrices: [string, number[][]][] = [];
  for (const [key, v] of Object.entries(inspect ?? {})) {
    if (typeof v === 'number') continue;
    if (isVector(v)) {
      if (v.length > 0) vectors.push([key, v]);
    } else if (isMatrix(v) && v.some((row) => row.length > 0)) matrices.push([key, v]);
  }
  return { vectors, matrices };
}

/** Whether an evaluation has anything for the readouts panel. */
export function hasReadouts(report: EvalReport | undefined): boolean {
  if (!report) return false;
  if (Object.keys(readoutScalars(report)).length > 0) return true;
  const { vectors, matrices } = inspectionArrays(report.inspect);
  return vectors.length + matrices.length > 0;
}

/** The dimension names a key ends with: "mean |W_d − 1| [layer][domain]" → ["layer", "domain"]. */
export function keyDims(key: string): string[] {
  const m = /((?:\s*\[[^[\]]+\])+)\s*$/.exec(key);
  if (!m) return [];
  return [...m[1].matchAll(/\[([^[\]]+)\]/g)].map((x) => x[1].trim());
}

/** Names along one dimension of n entries: the domains or tasks when it is named so and the count matches. */
export function dimLabels(
  dim: string | undefined,
  n: number,
  names: { domains: string[]; tasks: string[] },
): { short: string[]; long: string[] } {
  const d = dim?.toLowerCase();
  const known = d === 'domain' ? names.domains : d === 'task' ? names.tasks : null;
  if (known && known.length === n) return { short: known.slice(), long: known.slice() };
  const idx = Array.from({ length: n }, (_, i) => i);
  if (d === 'expert') return { short: idx.map((i) => `e${i}`), long: idx.map((i) => `expert ${i}`) };
  return { short: idx.map(String), long: idx.map((i) => (dim ? `${dim} ${i}` : String(i))) };
}

/** A compact number for a heatmap cell, a bar or an axis tick: two significant digits, three from 100. */
export function fmtCompact(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 10000 || a < 0.001) return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  if (a >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(2)));
}

const fixed2 = (v: number): string => v.toFixed(2);
const domainRows = (domains: string[], n: number) =>
  Array.from({ length: n }, (_, i) => domains[i] || `domain ${i}`);
const expertCols = (n: number) => dimLabels('expert', n, { domains: [], tasks: [] });

/** A gate's mean weight per domain × expert, with the all-rows mean as the last row. */
export function gateWeightsSpec(gate: GateStats, domains: string[]): HeatmapSpec {
  const cols = expertCols(gate.overall.length);
  return {
    rows: [...domainRows(domains, gate.byDomain.length), 'all'],
    cols: cols.short,
    colTitles: cols.long,
    values: [...gate.byDomain, gate.overall],
    totalRow: true,
    format: fixed2,
    scaleLabel: 'mean gate weight',
  };
}

/** A sparse gate's selection frequency per domain × expert: the fraction of the domain's rows using the expert. */
export function gateSelectionSpec(gate: GateStats, domains: string[]): HeatmapSpec {
  const cols = expertCols(gate.selectedByDomain[0]?.length ?? gate.overall.length);
  return {
    rows: domainRows(domains, gate.selectedByDomain.length),
    cols: cols.short,
    colTitles: cols.long,
    values: gate.selectedByDomain,
    format: fixed2,
    scaleLabel: 'share of rows selecting',
  };
}

/** An inspection matrix, its rows and columns named from the key's trailing dimensions. */
export function inspectionHeatmapSpec(
  key: string,
  values: number[][],
  names: { domains: string[]; tasks: string[] },
): HeatmapSpec {
  const dims = keyDims(key);
  const [rowDim, colDim] = dims.length === 2 ? dims : [undefined, undefined];
  const width = Math.max(0, ...values.map((r) => r.length));
  const rows = dimLabels(rowDim, values.length, names);
  const cols = dimLabels(colDim, width, names);
  return {
    rows: rowDim ? rows.long : rows.long.map((r) => `row ${r}`),
    cols: cols.short,
    colTitles: cols.long,
    values,
    format: fmtCompact,
    scaleLabel: 'value',
  };
}

/** Labels of an inspection vector's entries, from its trailing dimension name. */
export function inspectionVectorLabels(
  key: string,
  n: number,
  names: { domains: string[]; tasks: string[] },
): { short: string[]; long: string[] } {
  const dims = keyDims(key);
  return dimLabels(dims.length === 1 ? dims[0] : undefined, n, names);
}
