import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN } from '../../engine/train/config';
import type { WorkerEvent } from '../../workers/protocol';
import { applyWorkerEvents, newRun } from '../state/runState';
import { seriesPoints } from '../state/series';
import { loadRuns, removeRuns, saveRun, STORED_POINTS, thinSeries } from './runs';

const finished = (id: string, createdAt: number, steps: number) => {
  const run = newRun({
    id,
    name: `config ${id}`,
    createdAt,
    experiment: {
      data: { dataset: 'tiny', domain: 'd', tasks: [{ name: 't', column: 't', rule: '== 1' }] },
      model: { id: 'mmoe', options: { experts: 4 } },
      train: { ...DEFAULT_TRAIN, seed: 3 },
    },
    backendChoice: 'wasm',
    datasetName: 'Tiny',
    oracle: null,
  });
  const events: WorkerEvent[] = [];
  for (let step = 1; step <= steps; step++)
    events.push({
      type: 'train',
      runId: id,
      event: {
        type: 'progress',
        step,
        epoch: 1,
        loss: 1 / step,
        taskLoss: { t: 1 / step },
        aux: {},
        samplesPerSecond: 1,
        msPerStep: 1,
      },
    });
  const test = {
    split: 'test' as const,
    partial: false,
    rows: 9,
    byCell: [],
    byTask: [],
    meanCellAuc: 0.7,
    meanTaskAuc: 0.7,
    aux: {},
    gates: [],
  };
  events.push(
    {
      type: 'train',
      runId: id,
      event: {
        type: 'done',
        reason: 'completed',
        steps,
        epochs: 1,
        bestEpoch: 1,
        weightsFrom: { kind: 'best', epoch: 1, step: steps },
        flags: [],
        test,
      },
    },
    { type: 'export', runId: id, zip: new Uint8Array([1, 2, 3, id.length]).buffer },
  );
  return applyWorkerEvents([run], events)[0];
};

describe('kept runs', () => {
  it('round-trips finished runs through IndexedDB, oldest first, with their export and bounded curves', async () => {
    const long = finished('b', 2, 2000);
    const short = finished('a', 1, 10);
    await saveRun(long);
    await saveRun(short);
    const [a, b] = await loadRuns();
    expect(a).toEqual(short);
    expect(b.id).toBe('b');
    expect(b.exportZip).toEqual(new Uint8Array([1, 2, 3, 1]));
    expect(b.done).toEqual(long.done);
    expect(b.experiment).toEqual(long.experiment);
    const steps = seriesPoints(b.loss).map((p) => p.step);
    expect(steps.length).toBeLessThanOrEqual(STORED_POINTS);
    expect(steps[0]).toBe(1);
    expect(steps[steps.length - 1]).toBe(2000);

    await removeRuns(['a']);
    expect((await loadRuns()).map((r) => r.id)).toEqual(['b']);
    await removeRuns(['b']);
    expect(await loadRuns()).toEqual([]);
  });

  it('thins a series evenly and leaves a short one as it is', () => {
    const short = finished('s', 1, 5).loss;
    expect(thinSeries(short)).toBe(short);
    const thinned = seriesPoints(thinSeries(finished('l', 1, 1000).loss, 100)).map((p) => p.step);
    expect(thinned.length).toBeLessThanOrEqual(100);
    const gaps = new Set(thinned.slice(1, -1).map((s, i) => s - thinned[i]));
    expect(gaps.size).toBe(1);
  });

  it('a run kept while it was going comes back interrupted, with its curves; one going in another tab stays out', async () => {
    const base = finished('x', 1, 1);
    const going = (id: string, createdAt: number) =>
      applyWorkerEvents(
        [{ ...base, id, createdAt, status: 'queued', done: null, exportZip: null, loss: base.loss }],
        [
          { type: 'status', runId: id, status: 'training' },
          {
            type: 'train',
            runId: id,
            event: {
              type: 'progress',
              step: 7,
              epoch: 1,
              loss: 0.5,
              taskLoss: {},
              aux: {},
              samplesPerSecond: 1,
              msPerStep: 1,
            },
          },
        ],
      )[0];
    const queued = { ...base, id: 'q', createdAt: 4, status: 'queued' as const, done: null, exportZip: null };
    await saveRun(finished('done', 1, 3));
    await saveRun(going('here', 2));
    await saveRun(going('elsewhere', 3));
    await saveRun(queued);
    const runs = await loadRuns(new Set(['elsewhere', 'done']));
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      ['done', 'done'],
      ['here', 'interrupted'],
      ['q', 'interrupted'],
    ]);
    expect(runs[1].progress?.step).toBe(7);
    expect(seriesPoints(runs[1].loss).map((p) => p.step)).toContain(7);
    await removeRuns(['done', 'here', 'elsewhere', 'q']);
  });
});
