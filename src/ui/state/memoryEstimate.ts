/**
 * The memory budget as the training form shows it: the engine's estimate for the experiment being edited, on
 * the data shape a run of the same mapping reported, against the backend the next run will get. The worker
 * checks again with the device's own limits before it builds anything; this only says it ahead.
 */
import {
  backendCapacity,
  budgetProblem,
  estimateMemory,
  type BackendCapacity,
  type DataDims,
  type MemoryEstimate,
} from '../../engine/budget';
import { parseExperiment, type Experiment } from '../../engine/experiment';
import type { BackendChoice } from '../../workers/protocol';
import { autoBackendOf } from '../workers/runQueue';
import type { RunState } from './runState';

export type MemoryView =
  | { known: false }
  | { known: true; estimate: MemoryEstimate; capacity: BackendCapacity; problem: string | null };

/** The data shape the newest run with this mapping reported, or null before any has. */
function dimsFor(data: unknown, runs: readonly RunState[]): DataDims | null {
  const key = JSON.stringify(data);
  let newest: RunState | null = null;
  for (const r of runs)
    if (
      r.started &&
      JSON.stringify(r.experiment.data) === key &&
      (!newest || r.createdAt >= newest.createdAt)
    )
      newest = r;
  return newest?.started?.shape ?? null;
}

/** null while the experiment is not valid (the form shows why elsewhere). */
export function memoryView(
  draft: unknown,
  runs: readonly RunState[],
  choice: BackendChoice,
): MemoryView | null {
  let experiment: Experiment;
  try {
    experiment = parseExperiment(draft);
  } catch {
    return null;
  }
  const dims = dimsFor(experiment.data, runs);
  if (!dims) return { known: false };
  const backend = choice === 'auto' ? (autoBackendOf(runs) ?? 'webgpu') : choice;
  const gib = (globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory;
  const capacity = backendCapacity(backend, gib ? { deviceMemoryBytes: gib * 2 ** 30 } : {});
  try {
    return {
      known: true,
      estimate: estimateMemory(experiment, dims),
      capacity,
      problem: budgetProblem(experiment, dims, capacity),
    };
  } catch {
    // Model options the catalog refuses: the form lists them already.
    return null;
  }
}
