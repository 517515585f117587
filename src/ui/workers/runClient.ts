/**
 * The only module that talks to training workers. One worker per run (it owns its backend, the dataset copy
 * and the model; terminating it frees them all), ended after its last message. Runs wait in a queue and start
 * as `runsToStart` allows (GPU runs one at a time, CPU-like runs side by side). Events of every worker are
 * queued and applied to the store once per animation frame, so chatty workers cost one store update per frame.
 */
import {
  PROTOCOL_VERSION,
  type RunInitMode,
  type StartCommand,
  type WorkerCommand,
  type WorkerEvent,
} from '../../workers/protocol';
import { loadRuns, removeRuns as forgetRuns, saveRun } from '../persist/runs';
import { checkPlan, configName, planDraftOf, repeatedRuns, type CheckedRun } from '../state/plan';
import { DatasetCache, datasetKey } from './datasetCache';
import { runsToStart } from './runQueue';
import { isRunning, newRun, type RunState } from '../state/runState';
import { useStore } from '../state/store';
import { checkExperiment } from '../state/validate';

const workers = new Map<string, Worker>();
/** Start commands of queued runs, sent when their turn comes (they may hold a whole file: not in the store). */
const commands = new Map<string, StartCommand>();
/** Datasets parsed by one run of a comparison for the runs queued after it on the same file and mapping. */
const datasets = new DatasetCache();
let queue: WorkerEvent[] = [];
let flushScheduled = false;
let runCounter = 0;

/** A going run is kept again at an evaluation at most this often (its end always). */
const KEEP_EVERY_MS = 3000;
const keptAt = new Map<string, number>();
/**
 * Each queued or running run holds a Web Lock named after it until it ends: another tab reading the kept runs
 * leaves a run whose lock is held to its tab, and shows the others that were going as interrupted.
 */
const LOCK_PREFIX = 'moe-playground-run:';
const releaseLock = new Map<string, () => void>();

function holdLock(runId: string): void {
  navigator.locks
    ?.request(LOCK_PREFIX + runId, () => new Promise<void>((resolve) => releaseLock.set(runId, resolve)))
    .catch(() => undefined);
}

function dropLock(runId: string): void {
  releaseLock.get(runId)?.();
  releaseLock.delete(runId);
}

/** Ids of the runs going on in any tab of this browser (their locks are held). */
async function liveRunIds(): Promise<Set<string>> {
  const snapshot = await navigator.locks?.query();
  const names = (snapshot?.held ?? []).map((l) => l.name ?? '');
  return new Set(names.filter((n) => n.startsWith(LOCK_PREFIX)).map((n) => n.slice(LOCK_PREFIX.length)));
}

/**
 * An import that failed before scoring or training anything (a file that is not an export, weights that do not
 * fit): no run came of it, so it leaves no run behind, only the message.
 */
function failedImport(run: RunState | undefined): run is RunState & { init: NonNullable<RunState['init']> } {
  return run?.init != null && run.progress === null && run.lastEval === null && run.done === null;
}

function flush(): void {
  flushScheduled = false;
  const events = queue;
  queue = [];
  const before = useStore.getState().runs;
  const failed = events.flatMap((ev) => {
    const run = before.find((r) => r.id === ev.runId);
    return ev.type === 'error' && failedImport(run) ? [{ run, message: ev.message }] : [];
  });
  useStore.getState().applyWorkerEvents(events);
  for (const { run, message } of failed) {
    removeRuns([run.id]);
    useStore.getState().setUiError(`Import ${run.init.file}: ${message}`);
  }
  const ended = new Set(
    events.filter((ev) => ev.type === 'closed' || ev.type === 'error').map((ev) => ev.runId),
  );
  const measured = new Set(
    events
      .filter((ev) => ev.type === 'data' || (ev.type === 'train' && ev.event.type !== 'progress'))
      .map((ev) => ev.runId),
  );
  // A worker may also fail after its run finished (measuring, exporting): the finished run is kept all the same.
  for (const id of ended) keep(id);
  for (const id of measured)
    if (!ended.has(id) && Date.now() - (keptAt.get(id) ?? 0) >= KEEP_EVERY_MS) keep(id);
  pump();
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  // Animation frames do not fire in a hidden tab: a timer keeps the queue (and memory) bounded there.
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
}

function enqueue(ev: WorkerEvent): void {
  queue.push(ev);
  scheduleFlush();
  // The worker has nothing more to say: free it (and its GPU memory) now, and let the next run have its place.
  if (ev.type === 'closed' || ev.type === 'error') endWorker(ev.runId);
  // It read the Stop between two steps: it ends the run itself, with a test pass, within the longer deadline.
  if (ev.type === 'status' && ev.status === 'stopping' && stopDeadlines.has(ev.runId))
    watchStop(ev.runId, STOP_FINISH_MS, 'did not finish its test pass and export');
}

function endWorker(runId: string): void {
  datasets.end(runId);
  workers.get(runId)?.terminate();
  workers.delete(runId);
  dropLock(runId);
  clearTimeout(stopDeadlines.get(runId));
  stopDeadlines.delete(runId);
}

/**
 * The watchdog. The worker reads Stop between steps, so a step that never ends (a hung GPU, a shape that takes
 * minutes) would keep a run going until the page is reloaded. Within STOP_GRACE_MS it must say it is stopping,
 * and then end within STOP_FINISH_MS; otherwise the page terminates the worker and ends the run "stopped" with
 * every curve and evaluation it was sent.
 */
export const STOP_GRACE_MS = 5000;
export const STOP_FINISH_MS = 30_000;
const stopDeadlines = new Map<string, ReturnType<typeof setTimeout>>();

function watchStop(runId: string, ms: number, failure: string): void {
  clearTimeout(stopDeadlines.get(runId));
  stopDeadlines.set(
    runId,
    setTimeout(() => {
      if (!workers.has(runId)) return;
      endWorker(runId);
      // Its last events may still wait for the next frame: they go in first.
      flush();
      useStore
        .getState()
        .stopRunByPage(
          runId,
          `Stop: the run's worker ${failure} within ${ms / 1000} s, so it was ended; the curves and evaluations measured so far are kept (no test pass, no export)`,
        );
      pump();
    }, ms),
  );
}

/** The run as it is now (queued, going, finished with its export, or failed) is kept for the next visit. */
function keep(runId: string): void {
  const run = useStore.getState().runs.find((r) => r.id === runId);
  if (!run) return;
  keptAt.set(runId, Date.now());
  saveRun(run).catch((e: unknown) =>
    useStore
      .getState()
      .setUiError(`The run "${run.name}" could not be kept for the next visit: ${(e as Error).message}`),
  );
}

function pump(): void {
  const { runs } = useStore.getState();
  for (const id of runsToStart(runs, navigator.hardwareConcurrency || 2, datasets.waiting())) launch(id);
}

function launch(id: string): void {
  const cmd = commands.get(id);
  commands.delete(id);
  if (!cmd) return;
  const name = useStore.getState().runs.find((r) => r.id === id)?.name ?? id;
  const { source, shareDataset } = datasets.launch(id, name, cmd.source);
  useStore.getState().launchRun(id);
  const w = new Worker(new URL('../../workers/train.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<WorkerEvent>) => {
    // The parse the waiting runs of its key need: they may start now. Not a store event.
    if (e.data.type === 'dataset') {
      if (datasets.put(id, e.data.dataset)) pump();
    } else enqueue(e.data);
  };
  // A worker that fails to load or throws outside its own handlers reports here, without a runId of its own.
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    enqueue({
      type: 'error',
      runId: id,
      message: `the training worker failed: ${e.message || 'it could not be loaded'}`,
      keptResults: false,
    });
  };
  w.onmessageerror = () =>
    enqueue({
      type: 'error',
      runId: id,
      message: 'a message from the training worker could not be read',
      keptResults: false,
    });
  workers.set(id, w);
  // An encoded source is cloned here where its arrays are not in SharedArrayBuffers (runData.ts shareable):
  // the cache keeps its own for the next run.
  w.postMessage({ ...cmd, source, shareDataset } satisfies StartCommand, cmd.init ? [cmd.init.zip] : []);
}

/** Unique within the page (a counter) and across reloads (the time): ids key the kept runs. */
function newRunId(): string {
  return `run-${Date.now().toString(36)}-${(runCounter++).toString(36)}`;
}

interface QueuedRun {
  checked: CheckedRun;
  /** An exported run to start from: the .zip's bytes (copied per run: each transfer empties its buffer). */
  init?: { bytes: Uint8Array; mode: RunInitMode; file: string };
}

function queueRuns(items: QueuedRun[]): void {
  const { backend, addRuns, upload } = useStore.getState();
  const runs = items.map(({ checked, init }): RunState => {
    const { experiment, source, sourceName, oracle } = checked;
    // A plan names a lone configuration by its model id: the run shows its model and preset instead.
    const { id: modelId, options } = experiment.model;
    const name = checked.name === modelId ? configName(modelId, options) : checked.name;
    const id = newRunId();
    commands.set(id, {
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: id,
      source,
      mapping: experiment.data,
      model: experiment.model,
      train: experiment.train,
      backend,
      init: init && { zip: init.bytes.slice().buffer, mode: init.mode },
    });
    // An imported run reads the zip's own mapping, known in its worker only: it parses for itself.
    const sha256 = source.kind === 'blob' && upload?.file === source.blob ? upload.inspection?.sha256 : null;
    const key = init ? null : datasetKey(source, experiment.data, sha256 ?? null);
    if (key !== null) datasets.add(id, key);
    return newRun({
      id,
      name,
      experiment,
      backendChoice: backend,
      datasetName: sourceName,
      oracle,
      init: init ? { mode: init.mode, file: init.file } : null,
    });
  });
  addRuns(runs, true);
  for (const r of runs) {
    holdLock(r.id);
    keep(r.id);
  }
  pump();
}

/** Validates the page's plan and queues its runs (every configuration × every seed); problems are shown instead. */
export function trainPlan(): void {
  const state = useStore.getState();
  const checked = checkPlan(planDraftOf(state), state.datasets, state.upload);
  if (!checked.ok) {
    state.setUiError(checked.problems.join('\n'));
    return;
  }
  const repeated = repeatedRuns(checked.runs, state.runs, state.backend);
  if (repeated.length > 0) {
    state.setUiError(repeated.join('\n'));
    return;
  }
  queueRuns(checked.runs.map((r) => ({ checked: r })));
  // The setup is done: its steps fold to their summaries, and the main area shows what was started.
  state.setOpenStep(null);
  state.setView(checked.plan.models.length > 1 ? 'compare' : 'run');
}

/**
 * Queues a run that starts from an exported .zip on the page's data: `evaluate` scores its weights, `continue`
 * trains them further with the page's training settings. The worker reads the zip (its mapping and model) and
 * says precisely what does not fit.
 */
export function importRun(bytes: Uint8Array, file: string, mode: RunInitMode): void {
  const state = useStore.getState();
  const { data, model, train } = state.experiment;
  const checked = checkExperiment({ data, model, train }, state.datasets, state.upload);
  if (!checked.ok) {
    state.setUiError(
      `Import ${file}: the page's experiment must be valid to give the data and settings:\n${checked.problems.join('\n')}`,
    );
    return;
  }
  const name = file.replace(/\.zip$/i, '');
  queueRuns([
    { checked: { ...checked, name, seed: checked.experiment.train.seed }, init: { bytes, mode, file } },
  ]);
}

function send(runId: string, type: Exclude<WorkerCommand['type'], 'start'>): void {
  workers.get(runId)?.postMessage({ type, runId } satisfies WorkerCommand);
}

export const pauseRun = (runId: string): void => send(runId, 'pause');
export const resumeRun = (runId: string): void => send(runId, 'resume');
export function stopRun(runId: string): void {
  send(runId, 'stop');
  if (workers.has(runId) && !stopDeadlines.has(runId))
    watchStop(runId, STOP_GRACE_MS, 'did not answer (a step was still running)');
}

/** Removes runs that have no worker (queued, finished, failed) from the list and from IndexedDB. */
export function removeRuns(ids: string[]): void {
  const state = useStore.getState();
  const removable = state.runs.filter((r) => ids.includes(r.id) && !isRunning(r)).map((r) => r.id);
  for (const id of removable) {
    commands.delete(id);
    datasets.end(id);
    keptAt.delete(id);
    dropLock(id);
  }
  state.removeRuns(removable);
  forgetRuns(removable).catch((e: unknown) =>
    useStore
      .getState()
      .setUiError(`Removed runs could not be deleted from the browser's storage: ${(e as Error).message}`),
  );
  pump();
}

/**
 * Lists the runs kept by earlier visits (after any started already in this one); those that were still going
 * then, and are not going on in another tab, come back as interrupted.
 */
export async function restoreKeptRuns(): Promise<void> {
  const kept = await loadRuns(await liveRunIds());
  const state = useStore.getState();
  const known = new Set(state.runs.map((r) => r.id));
  state.addRuns(
    kept.filter((r) => !known.has(r.id)),
    false,
  );
}
