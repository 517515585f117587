/**
 * Which queued runs may start now. Runs on a GPU backend go one at a time: they would share one device and
 * each would run at a fraction of its speed (and compete for its memory). Runs on CPU-like backends (WASM, CPU;
 * one thread each) go side by side up to the cores left after the page's own thread, at most MAX_PARALLEL.
 * The queue is first in, first out: a GPU run waiting for the device holds back the runs queued after it.
 */
import type { BackendName } from '../../workers/protocol';
import { isRunning, type RunState } from '../state/runState';

export const MAX_PARALLEL = 4;
const GPU_BACKENDS: ReadonlySet<BackendName> = new Set(['webgpu', 'webgl']);

export function parallelSlots(cores: number): number {
  return Math.max(1, Math.min(MAX_PARALLEL, cores - 1));
}

/** The backend `auto` resolved to in the newest run that reported one: what the next `auto` run will get. */
export function autoBackendOf(runs: readonly RunState[]): BackendName | null {
  let newest: RunState | null = null;
  for (const r of runs)
    if (r.backendChoice === 'auto' && r.backend && (!newest || r.createdAt >= newest.createdAt)) newest = r;
  return newest?.backend?.backend ?? null;
}

/**
 * Whether a run takes the GPU: its reported backend once known, else what it asked for; an `auto` run whose
 * backend no run has revealed yet is assumed to, the cautious guess until the first one reports.
 */
export function usesGpu(run: RunState, autoBackend: BackendName | null): boolean {
  const backend = run.backend?.backend ?? (run.backendChoice === 'auto' ? autoBackend : run.backendChoice);
  return backend === null || GPU_BACKENDS.has(backend);
}

/**
 * Ids of the queued runs to start now, in queue (list) order. `waiting` runs wait for an earlier run's parse of
 * their data (datasetCache.ts) and are passed over: they take no place until it comes.
 */
export function runsToStart(
  runs: readonly RunState[],
  cores: number,
  waiting: ReadonlySet<string> = new Set(),
): string[] {
  const auto = autoBackendOf(runs);
  const running = runs.filter(isRunning);
  let count = running.length;
  let gpuBusy = running.some((r) => usesGpu(r, auto));
  const slots = parallelSlots(cores);
  const start: string[] = [];
  for (const r of runs) {
    if (r.status !== 'queued' || waiting.has(r.id)) continue;
    const gpu = usesGpu(r, auto);
    if (gpuBusy || count >= slots || (gpu && count > 0)) break;
    start.push(r.id);
    count++;
    gpuBusy = gpu;
  }
  return start;
}

/** What the queue does on this machine, in words for the run list. */
export function queuePolicyText(runs: readonly RunState[], cores: number): string {
  const slots = parallelSlots(cores);
  const auto = autoBackendOf(runs);
  const cpu = `WASM/CPU runs: up to ${slots} at once (${cores} cores, one kept for the page)`;
  const gpu = 'WebGPU/WebGL runs: one at a time, as they share one GPU';
  return auto === null ? `${gpu}; ${cpu}` : `auto picks ${auto} here. ${GPU_BACKENDS.has(auto) ? gpu : cpu}`;
}
