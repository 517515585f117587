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
