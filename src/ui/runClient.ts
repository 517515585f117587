/**
 * The only module that talks to the training worker. One worker per run (it owns the GPU device and the
 * dataset copy; terminating it frees both): ended after its last message or when the next run starts. Events are queued and applied to the store once per animation
 * frame, so a chatty worker costs one store update per frame, not one per message.
 */
import {
  PROTOCOL_VERSION,
  type StartCommand,
  type WorkerCommand,
  type WorkerEvent,
} from '../workers/protocol';
import { newRun } from './runState';
import { useStore } from './store';
import { checkExperiment } from './validate';

let worker: Worker | null = null;
let runId: string | null = null;
let queue: WorkerEvent[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  const events = queue;
  queue = [];
  useStore.getState().applyWorkerEvents(events);
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
  // The worker has nothing more to say (the profile follows `done`): free it and its GPU memory now.
  if (ev.type === 'profile' || ev.type === 'error') endWorker();
}

function endWorker(): void {
  worker?.terminate();
  worker = null;
}

/** Validates the current experiment and starts it in a fresh worker; problems are shown instead. */
export function startRun(): void {
  const state = useStore.getState();
  const checked = checkExperiment(state.experiment, state.datasets, state.upload);
  if (!checked.ok) {
    state.setUiError(checked.problems.join('\n'));
    return;
  }
  const { experiment, source, sourceName, oracle } = checked;
  endWorker();
  const id = `run-${Date.now().toString(36)}`;
  runId = id;
  state.beginRun(newRun(id, experiment, state.backend, sourceName, oracle));

  const w = new Worker(new URL('../workers/train.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<WorkerEvent>) => enqueue(e.data);
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
  worker = w;

  const start: StartCommand = {
    type: 'start',
    version: PROTOCOL_VERSION,
    runId: id,
    source,
    mapping: experiment.data,
    model: experiment.model,
    train: experiment.train,
    backend: state.backend,
  };
  w.postMessage(start);
}

function send(type: Exclude<WorkerCommand['type'], 'start'>): void {
  if (worker && runId) worker.postMessage({ type, runId } satisfies WorkerCommand);
}

export const pauseRun = (): void => send('pause');
export const resumeRun = (): void => send('resume');
export const stopRun = (): void => send('stop');
