import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../../engine/train/config';
import type { BackendChoice, BackendName, WorkerEvent } from '../../workers/protocol';
import { parallelSlots, runsToStart } from './runQueue';
import { applyWorkerEvents, newRun, type RunState } from '../state/runState';

const queued = (id: string, backendChoice: BackendChoice, createdAt = 0): RunState =>
  newRun({
    id,
    name: id,
    createdAt,
    experiment: {
      data: { domain: 'd', tasks: [{ name: 't', column: 't', rule: '== 1' }] },
      model: { id: 'mmoe', options: {} },
      train: DEFAULT_TRAIN,
    },
    backendChoice,
    datasetName: 'tiny',
    oracle: null,
  });

/** What the client does: start the runs the queue allows (the store's launchRun). */
function launch(runs: RunState[], cores: number): { runs: RunState[]; started: string[] } {
  const started = runsToStart(runs, cores);
  return { runs: runs.map((r) => (started.includes(r.id) ? { ...r, status: 'starting' } : r)), started };
}

const backendEvent = (runId: string, backend: BackendName): WorkerEvent => ({
  type: 'backend',
  runId,
  backend,
  adapter: null,
  fallbacks: [],
});
const ended = (runId: string): WorkerEvent => ({ type: 'error', runId, message: 'x', keptResults: false });

describe('run queue', () => {
  it('keeps a core for the page and runs at most four at once', () => {
    expect([1, 2, 3, 4, 8, 32].map(parallelSlots)).toEqual([1, 1, 2, 3, 4, 4]);
  });

  it('runs WASM runs side by side up to the limit, and starts a queued one when one ends', () => {
    let runs = ['a', 'b', 'c', 'd', 'e'].map((id) => queued(id, 'wasm'));
    let step = launch(runs, 4);
    expect(step.started).toEqual(['a', 'b', 'c']);
    runs = step.runs;
    expect(launch(runs, 4).started).toEqual([]);
    runs = applyWorkerEvents(runs, [ended('b')]);
    step = launch(runs, 4);
    expect(step.started).toEqual(['d']);
    runs = applyWorkerEvents(step.runs, [ended('a'), ended('c'), ended('d')]);
    expect(launch(runs, 4).started).toEqual(['e']);
  });

  it('runs WebGPU runs one at a time, and holds later runs behind one waiting for the GPU', () => {
    let runs = [queued('g1', 'webgpu'), queued('g2', 'webgpu'), queued('w', 'wasm')];
    let step = launch(runs, 8);
    expect(step.started).toEqual(['g1']);
    runs = applyWorkerEvents(step.runs, [ended('g1')]);
    step = launch(runs, 8);
    expect(step.started).toEqual(['g2']);
    runs = applyWorkerEvents(step.runs, [ended('g2')]);
    expect(launch(runs, 8).started).toEqual(['w']);
  });

  it('starts one `auto` run until one reports its backend, then follows what auto picked', () => {
    let runs = ['a', 'b', 'c'].map((id, i) => queued(id, 'auto', i));
    let step = launch(runs, 8);
    expect(step.started).toEqual(['a']);
    runs = applyWorkerEvents(step.runs, [backendEvent('a', 'wasm')]);
    expect(launch(runs, 8).started).toEqual(['b', 'c']);

    runs = ['a', 'b'].map((id, i) => queued(id, 'auto', i));
    step = launch(runs, 8);
    runs = applyWorkerEvents(step.runs, [backendEvent('a', 'webgpu')]);
    expect(launch(runs, 8).started).toEqual([]);
  });

  it('passes over runs waiting for an earlier run to parse their data: they take no place meanwhile', () => {
    const runs = ['a', 'b', 'c', 'd'].map((id) => queued(id, 'wasm'));
    const waiting = new Set(['b', 'c']);
    expect(runsToStart(runs, 4, waiting)).toEqual(['a', 'd']);
    expect(runsToStart(runs, 4)).toEqual(['a', 'b', 'c']);
  });

  it('never starts a run twice or one that has ended', () => {
    const runs = applyWorkerEvents([queued('a', 'wasm'), queued('b', 'wasm')], [ended('a')]);
    expect(runsToStart(runs, 8)).toEqual(['b']);
  });
});
