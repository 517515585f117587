/**
 * One parse per file and mapping for the runs of a comparison. The first queued run of a key parses the file and
 * sends its dataset back; the later queued runs of the key wait for it in the queue, then start with it as an
 * `encoded` source and read nothing. An entry lives while queued runs of its key remain: a finished comparison
 * does not pin its data. If the parsing run ends without a dataset (it failed), the next queued run parses.
 */
import type { DataMapping, EncodedDataset } from '../../engine/data/types';
import type { DataSource } from '../../workers/protocol';

/** JSON with object keys sorted at every depth: the same mapping written in another key order is one key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * The identity of a run's data: the file (a URL; an upload's SHA-256 where it is known, else its name and size)
 * and the mapping. Text sources (not sent by the page) and encoded ones are not shared again: null.
 */
export function datasetKey(source: DataSource, mapping: DataMapping, sha256: string | null): string | null {
  let file: string;
  if (source.kind === 'url') file = `url ${source.url}`;
  else if (source.kind === 'blob')
    file = sha256 !== null ? `sha256 ${sha256}` : `file ${source.name} ${source.blob.size}`;
  else return null;
  return `${file}\n${canonicalJson(mapping)}`;
}

interface Entry {
  /** Queued runs of the key, in queue order. */
  queued: string[];
  /** The run parsing the file for the queued ones, until its dataset arrives or it ends. */
  parser: string | null;
  dataset: EncodedDataset | null;
  /** Name of the run whose parse `dataset` is. */
  parsedBy: string;
}

export class DatasetCache {
  private readonly entries = new Map<string, Entry>();
  /** Key of each queued run, and of each parsing run until its dataset arrives. */
  private readonly keyOfRun = new Map<string, string>();

  /** A run queued on `key`'s data. */
  add(runId: string, key: string): void {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { queued: [], parser: null, dataset: null, parsedBy: '' };
      this.entries.set(key, entry);
    }
    entry.queued.push(runId);
    this.keyOfRun.set(runId, key);
  }

  /** Queued runs that must not start yet: a run of their key is parsing it, or an earlier queued one will. */
  waiting(): Set<string> {
    const ids = new Set<string>();
    for (const entry of this.entries.values())
      if (!entry.dataset) for (const id of entry.parser ? entry.queued : entry.queued.slice(1)) ids.add(id);
    return ids;
  }

  /** The source run `runId` (named `runName`) starts with, and whether it parses for the runs queued after it. */
  launch(runId: string, runName: string, source: DataSource): { source: DataSource; shareDataset: boolean } {
    const key = this.keyOfRun.get(runId);
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (key === undefined || !entry) return { source, shareDataset: false };
    entry.queued = entry.queued.filter((id) => id !== runId);
    const { dataset } = entry;
    const parses = !dataset && entry.parser === null && entry.queued.length > 0;
    if (parses) {
      entry.parser = runId;
      entry.parsedBy = runName;
    } else this.keyOfRun.delete(runId);
    if (entry.queued.length === 0 && !parses) this.entries.delete(key);
    if (!dataset) return { source, shareDataset: parses };
    const name = source.kind === 'url' ? source.url : source.name;
    return { source: { kind: 'encoded', dataset, name, parsedBy: entry.parsedBy }, shareDataset: false };
  }

  /** The dataset run `runId` parsed; kept (true) if it is its key's parsing run and queued runs remain. */
  put(runId: string, dataset: EncodedDataset): boolean {
    const key = this.keyOfRun.get(runId);
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (key === undefined || !entry || entry.parser !== runId) return false;
    this.keyOfRun.delete(runId);
    entry.parser = null;
    if (entry.queued.length === 0) {
      this.entries.delete(key);
      return false;
    }
    entry.dataset = dataset;
    return true;
  }

  /** A run ended or was removed: it no longer holds its key's entry (dropped once no queued run needs it). */
  end(runId: string): void {
    const key = this.keyOfRun.get(runId);
    const entry = key === undefined ? undefined : this.entries.get(key);
    this.keyOfRun.delete(runId);
    if (key === undefined || !entry) return;
    entry.queued = entry.queued.filter((id) => id !== runId);
    // A parse that never came: the next queued run of the key parses instead.
    if (entry.parser === runId) entry.parser = null;
    if (entry.queued.length === 0 && entry.parser === null) this.entries.delete(key);
  }
}
