/**
 * The page behind `npm run bench` in a browser: it runs one StartCommand through the real training
 * worker and hands every event to `window.benchEvent`, which the bench script exposes.
 */
import type { StartCommand, WorkerEvent } from './protocol';

declare global {
  interface Window {
    benchEvent?: (e: WorkerEvent) => void;
    startBench: (cmd: StartCommand) => void;
  }
}

window.startBench = (cmd) => {
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<WorkerEvent>) => window.benchEvent?.(e.data);
  worker.onerror = (e) =>
    window.benchEvent?.({ type: 'error', runId: cmd.runId, message: e.message, keptResults: false });
  worker.postMessage(cmd);
};
