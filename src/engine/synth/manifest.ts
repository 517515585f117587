/**
 * `public/datasets/index.json`: the bundled synthetic datasets, what to train on them (the mapping) and the
 * ceiling a model can reach on each cell (the oracle AUC of the true probabilities). No fs here: the UI reads it.
 */
import type { DataMapping, SplitName } from '../data/types';
import type { SynthResult } from './generate';
import type { SynthSpec } from './spec';

/** [domain][task] */
export type CellGrid<T> = Record<string, Record<string, T>>;

/** AUC of the true probabilities on one split; null where a cell holds a single class. */
export interface OracleSplit {
  byCell: CellGrid<number | null>;
  byTask: Record<string, number | null>;
}

export interface OracleAuc {
  valid: OracleSplit;
  test: OracleSplit;
}

export interface CellStats {
  rows: number;
  positives: number;
}

export type SplitStats = Record<SplitName, CellGrid<CellStats>>;

export interface DatasetManifestEntry {
  id: string;
  name: string;
  description: string;
  /** File name next to index.json: gzip of the CSV. */
  file: string;
  rows: number;
  /** Size of the gzip file. */
  bytes: number;
  /** SHA-256 (hex) of the uncompressed CSV text: a stale bundled file fails the synth tests. */
  sha256: string;
  domains: string[];
  tasks: string[];
  mapping: DataMapping;
  oracle: OracleAuc;
  stats: SplitStats;
}

export const MANIFEST_FILE = 'index.json';

export function datasetFileName(id: string): string {
  return `${id}.csv.gz`;
}

export function manifestEntry(
  spec: SynthSpec,
  result: SynthResult,
  file: { bytes: number; sha256: string },
): DatasetManifestEntry {
  return {
    id: spec.id,
    name: spec.name,
    description: spec.description,
    file: datasetFileName(spec.id),
    rows: spec.rows,
    bytes: file.bytes,
    sha256: file.sha256,
    domains: spec.domains.map((d) => d.name),
    tasks: spec.tasks.map((t) => t.name),
    mapping: result.mapping,
    oracle: result.oracle,
    stats: result.stats,
  };
}

/**
 * The oracle AUCs hold only for the labels, domains and split the generator used: a run whose mapping changes
 * any of those gets no oracle rather than a misleading one.
 */
export function oracleFor(entry: DatasetManifestEntry, mapping: DataMapping): OracleAuc | null {
  const key = (m: DataMapping) =>
    JSON.stringify([
      m.domain,
      m.domainGroups ?? null,
      m.tasks.map((t) => [t.name, t.column, t.rule]),
      m.split,
      m.splitRatios,
      m.splitSeed,
    ]);
  return key(entry.mapping) === key(mapping) ? entry.oracle : null;
}

/**
 * Mean over the (domain, task) cells of oracle AUC − the run's AUC on the same split: what a better model could
 * still win. Null, with the cells at fault named, where a cell of either grid has no AUC: a mean over fewer cells
 * would not compare with other runs'.
 */
export function oracleGap(
  oracle: OracleSplit,
  aucByCell: CellGrid<number | null>,
): { gap: number | null; missing: string[] } {
  // Keyed by [domain, task]: names are free text, so no separator is safe.
  const cells = new Map<string, [string, string]>();
  for (const grid of [oracle.byCell, aucByCell])
    for (const [d, byTask] of Object.entries(grid))
      for (const t of Object.keys(byTask)) cells.set(JSON.stringify([d, t]), [d, t]);
  const missing: string[] = [];
  let sum = 0;
  for (const [d, t] of cells.values()) {
    const o = oracle.byCell[d]?.[t];
    const a = aucByCell[d]?.[t];
    if (typeof o === 'number' && typeof a === 'number') sum += o - a;
    else missing.push(`${d} × ${t}`);
  }
  return { gap: missing.length === 0 && cells.size > 0 ? sum / cells.size : null, missing };
}
