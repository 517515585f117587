import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePlan } from '../../engine/experiment';
import { DEFAULT_TRAIN } from '../../engine/train/config';
import type { DatasetManifestEntry } from '../../engine/synth/manifest';
import { checkPlan, planDraftOf, plannedModel, repeatedRuns } from './plan';
import { newRun, type RunState } from './runState';
import { loadPlan, missingUpload } from '../persist/share';
import { useStore } from './store';

const data = { dataset: 'tiny', domain: 'domain', tasks: [{ name: 'click', column: 'click', rule: '== 1' }] };
const tiny = {
  id: 'tiny',
  name: 'Tiny',
  file: 'tiny.csv.gz',
  mapping: data,
} as unknown as DatasetManifestEntry;
const initial = useStore.getState();

const SHA = 'ab'.repeat(32);

// Bundled datasets resolve against the page's address.
vi.stubGlobal('document', { baseURI: 'http://localhost/' });
beforeEach(() => useStore.setState({ ...initial, datasets: [tiny] }, true));

describe('the page plan', () => {
  it('loads a single configuration into the model form and a comparison into the list, and gives it back', () => {
    expect(loadPlan({ data, model: { id: 'mmoe', options: { experts: 3 } }, train: { seed: 4 } })).toEqual(
      [],
    );
    let s = useStore.getState();
    expect(s.experiment.model).toEqual({ id: 'mmoe', options: { experts: 3 } });
    expect(s.compareModels).toEqual([]);
    expect(s.seeds).toEqual([]);
    expect(parsePlan(planDraftOf(s)).seeds).toEqual([4]);

    const json = {
      data,
      models: [
        plannedModel('mmoe', {}),
        { name: 'fast', id: 'shared-bottom', train: { learningRate: 0.01 } },
      ],
      seeds: [1, 2, 3],
    };
    expect(loadPlan(json)).toEqual([]);
    s = useStore.getState();
    expect(s.compareModels.map((m) => m.name)).toEqual([json.models[0].name, 'fast']);
    expect(s.seeds).toEqual([1, 2, 3]);
    expect(parsePlan(planDraftOf(s))).toEqual(parsePlan(json));
  });

  it('refuses a plan with a bad option or an unknown dataset, naming it, and changes nothing', () => {
    const before = useStore.getState().experiment;
    const bad = loadPlan({
      data,
      models: [
        { name: 'a', id: 'mmoe', options: { experts: 0 } },
        { name: 'b', id: 'mmoe' },
      ],
    });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^a: .*"experts"/);
    expect(loadPlan({ data: { ...data, dataset: 'huge' }, model: { id: 'mmoe' } })[0]).toContain(
      'unknown dataset "huge"',
    );
    expect(useStore.getState().experiment).toBe(before);
  });

  it('asks for the uploaded file a plan names until one with that name and hash is here', () => {
    const upload = { ...data, dataset: undefined, path: 'clicks.csv', sha256: SHA };
    expect(loadPlan({ data: upload, model: { id: 'mmoe' } })).toEqual([]);
    expect(useStore.getState().pendingUpload).toEqual({ name: 'clicks.csv', sha256: SHA });
    const session = (sha256: string) =>
      ({ name: 'clicks.csv', inspection: { sha256 } }) as unknown as Parameters<typeof missingUpload>[1];
    expect(missingUpload(upload, session(SHA))).toBeNull();
    expect(missingUpload(upload, session('ffff'))).toEqual({ name: 'clicks.csv', sha256: SHA });
    expect(missingUpload(data, null)).toBeNull();
  });

  it('checks every run, saying a problem of one configuration with its name', () => {
    const checked = checkPlan(
      {
        data,
        models: [
          { name: 'ok', id: 'mmoe' },
          { name: 'broken', id: 'mmoe', options: { experts: 0 } },
        ],
      },
      [tiny],
      null,
    );
    expect(checked.ok).toBe(false);
    if (!checked.ok)
      expect(checked.problems).toEqual([
        expect.stringMatching(/^broken: Experts must be a whole number from 1 to \d+$/),
      ]);
    const good = checkPlan({ data, model: { id: 'mmoe' }, seeds: [1, 2] }, [tiny], null);
    expect(good.ok && good.runs.map((r) => [r.name, r.seed, r.experiment.train.seed])).toEqual([
      ['mmoe', 1, 1],
      ['mmoe', 2, 2],
    ]);
  });

  it('names every invalid field of the form at once, in its words, with limits a browser can run', () => {
    const draft = planDraftOf({
      ...useStore.getState(),
      experiment: {
        data,
        model: { id: 'mmoe', options: { experts: 0, expertLayers: 'sixty-four' } },
        train: {
          ...DEFAULT_TRAIN,
          epochs: 'three',
          batchSize: 1_000_000,
          learningRate: 0,
          embeddingInitScale: 100,
          embeddingInit: 'xavier' as never,
        },
      },
      seeds: [1, 1],
    });
    const checked = checkPlan(draft, [tiny], null);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual([
      'Epochs must be a whole number from 1 to 1,000',
      expect.stringMatching(/^Batch size must be a whole number from 1 to 65,536 \(.*GPU memory\)$/),
      'Learning rate must be a number above 0 and at most 1',
      expect.stringMatching(/^Embedding init scale must be a number above 0 and at most 10 \(.*PyTorch/),
      'Embedding init must be one of normal, uniform',
      expect.stringMatching(/^MMoE: Experts must be a whole number from 1 to \d+$/),
      expect.stringMatching(/^MMoE: Expert layers must be a list of whole numbers/),
      'Seeds lists 1 more than once',
    ]);
    // No JSON paths: the words are the form's.
    for (const p of checked.problems) expect(p).not.toMatch(/train\.|model\.options/);
  });
});

describe('repeated runs', () => {
  const checked = (draft: Record<string, unknown>) => {
    const c = checkPlan(draft, [tiny], null);
    if (!c.ok) throw new Error(c.problems.join('; '));
    return c.runs;
  };
  const listed = (draft: Record<string, unknown>, over: Partial<RunState> = {}): RunState[] =>
    checked(draft).map((r, i) => ({
      ...newRun({
        id: `r${i}`,
        name: r.name,
        experiment: r.experiment,
        backendChoice: 'wasm',
        datasetName: 'Tiny',
        oracle: null,
      }),
      status: 'done',
      ...over,
    }));

  it('refuses a run that repeats a listed one (options written out or left at their defaults alike)', () => {
    const before = listed({ data, model: { id: 'mmoe', options: {} }, train: { seed: 2 } });
    const again = checked({ data, model: { id: 'mmoe', options: { experts: 8 } }, train: { seed: 2 } });
    const problems = repeatedRuns(again, before, 'wasm');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/"mmoe" with seed 2 repeats the listed run "mmoe".*count as a second seed/);
  });

  it('lets another seed, another setting, another backend, or a failed run go again', () => {
    const before = listed({ data, model: { id: 'mmoe', options: {} }, train: { seed: 2 } });
    expect(
      repeatedRuns(checked({ data, model: { id: 'mmoe' }, train: { seed: 3 } }), before, 'wasm'),
    ).toEqual([]);
    expect(
      repeatedRuns(
        checked({ data, model: { id: 'mmoe' }, train: { seed: 2, learningRate: 0.002 } }),
        before,
        'wasm',
      ),
    ).toEqual([]);
    expect(
      repeatedRuns(checked({ data, model: { id: 'mmoe' }, train: { seed: 2 } }), before, 'webgpu'),
    ).toEqual([]);
    const failed = listed({ data, model: { id: 'mmoe' }, train: { seed: 2 } }, { status: 'error' });
    expect(
      repeatedRuns(checked({ data, model: { id: 'mmoe' }, train: { seed: 2 } }), failed, 'wasm'),
    ).toEqual([]);
  });

  it('refuses two configurations of one plan that are the same computation', () => {
    const runs = checked({
      data,
      models: [
        { name: 'a', id: 'mmoe' },
        { name: 'b', id: 'mmoe', options: { experts: 8 } },
      ],
      seeds: [1],
    });
    expect(repeatedRuns(runs, [], 'auto')).toEqual([
      expect.stringMatching(/"b" with seed 1 repeats configuration "a"/),
    ]);
  });
});
