/**
 * Runs kept in IndexedDB (key `run:<id>`): the experiment, the curves, the last evaluation, the test metrics
 * and the export .zip, so that a reload lists them until they are removed. A run is kept from the moment it is
 * queued and again as it goes (evaluations, its end), so a reload in the middle shows it as interrupted with
 * what it had measured. Curves are thinned to STORED_POINTS points each, which bounds a record whatever the
 * run's length.
 */
import { createStore, delMany, entries, set, type UseStore } from 'idb-keyval';
import { interrupted, isActive, type RunState } from '../state/runState';
import { emptySeries, pushPoint, seriesPoints, type Series } from '../state/series';

/** Bumped when RunState changes shape: older records are skipped, not misread. */
const FORMAT = 3;
export const STORED_POINTS = 300;
const PREFIX = 'run:';

interface StoredRun {
  format: number;
  run: RunState;
}

let db: UseStore | null = null;
/** Opened on first use. */
function store(): UseStore {
  db ??= createStore('moe-playground-runs', 'runs');
  return db;
}

/** The series re-sampled evenly down to `cap` points (its newest point kept). */
export function thinSeries<T>(s: Series<T>, cap = STORED_POINTS): Series<T> {
  if (s.kept.length + (s.tail ? 1 : 0) <= cap) return s;
  return seriesPoints(s).reduce((acc, p) => pushPoint(acc, p, cap), emptySeries<T>());
}

export async function saveRun(run: RunState): Promise<void> {
  const stored: StoredRun = {
    format: FORMAT,
    run: { ...run, loss: thinSeries(run.loss), auc: thinSeries(run.auc), readouts: thinSeries(run.readouts) },
  };
  await set(PREFIX + run.id, stored, store());
}

/**
 * Every kept run, oldest first. A run kept while it was going is interrupted, unless `live` (ids of runs going
 * on in another tab of this browser) has it: that one is left to its tab.
 */
export async function loadRuns(live: ReadonlySet<string> = new Set()): Promise<RunState[]> {
  const all = await entries<IDBValidKey, StoredRun>(store());
  return all
    .filter(([key, v]) => typeof key === 'string' && key.startsWith(PREFIX) && v?.format === FORMAT)
    .map(([, v]) => v.run)
    .filter((r) => !(isActive(r) && live.has(r.id)))
    .map(interrupted)
    .sort((a, b) => a.createdAt - b.createdAt);
}

export async function removeRuns(ids: string[]): Promise<void> {
  await delMany(
    ids.map((id) => PREFIX + id),
    store(),
  );
}
