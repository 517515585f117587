import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataShape } from '../data/types';
import {
  batchOf,
  buildFor,
  buildSmall,
  expectFlatTensorCounts,
  expectSameUnderEveryFormulation,
  logitSum,
  PER_MEMBER,
  squaredLogitSum,
  tensorCountsOverTraining,
  testContext,
  tinyTwoDomains,
  variablesWithoutGradient,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import type { Formulation } from './experts';
import { buildModel } from './registry';
import type { Batch, Model } from './types';

function build(options: Record<string, unknown>, f: Formulation = PER_MEMBER): Model {
  return buildSmall('ple', options, f);
}

async function routingOf(model: Model, batch: Batch): Promise<Record<string, number[][]>> {
  const out = model.forward(batch, 'eval', new Rng(1));
  const r: Record<string, number[][]> = {};
  for (const [k, v] of Object.entries(out.routing)) r[k] = (await v.array()) as number[][];
  return r;
}

async function logitsOf(model: Model, batch: Batch, mode: 'train' | 'eval' = 'eval'): Promise<number[][]> {
  return (await model.forward(batch, mode, new Rng(1)).logits.array()) as number[][];
}

/** Adds `delta` to member `m` of a stacked layer: [n, in, out] per member, or [in, n·out] for a shared-input first layer. */
async function perturbMember(
  model: Model,
  name: string,
  m: number,
  members: number,
  delta = 0.5,
): Promise<void> {
  const v = model.params.get(name);
  const values = Float32Array.from(await v.data());
  if (v.shape.length === 3) {
    const per = v.shape[1] * v.shape[2];
    for (let i = m * per; i < (m + 1) * per; i++) values[i] += delta;
  } else {
    const cols = v.shape[v.shape.length - 1];
    const width = cols / members;
    for (let i = 0; i < values.length; i++) {
      const c = i % cols;
      if (c >= m * width && c < (m + 1) * width) values[i] += delta;
    }
  }
  v.assign(tf.tensor(values, v.shape));
}

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i][j]))));
}

/** Columns of a routing matrix whose weight is non-zero in every row / zero in every row. */
function support(rows: number[][]): { nonZero: number[]; zero: number[] } {
  const E = rows[0].length;
  const cols = Array.from({ length: E }, (_, e) => e);
  return {
    nonZero: cols.filter((e) => rows.every((r) => r[e] > 0)),
    zero: cols.filter((e) => rows.every((r) => r[e] === 0)),
  };
}

describe('PLE', () => {
  beforeAll(useCpu);

  it("gives a task's gate exactly zero weight on the other tasks' specific experts", async () => {
    // 2 tasks × 2 specific + 3 shared = 7 experts per level: click owns 0–1, buy owns 2–3, 4–6 are shared.
    const model = build({
      levels: 2,
      specificExperts: 2,
      sharedExperts: 3,
      expertLayers: [8],
      specificPer: 'task',
    });
    const r = await routingOf(model, batchOf([0, 1, 2, 1]));
    expect(Object.keys(r)).toEqual(['gate · click', 'gate · buy', 'shared gate · level 1']);
    expect(support(r['gate · click'])).toEqual({ nonZero: [0, 1, 4, 5, 6], zero: [2, 3] });
    expect(support(r['gate · buy'])).toEqual({ nonZero: [2, 3, 4, 5, 6], zero: [0, 1] });
    for (const row of [...r['gate · click'], ...r['gate · buy'], ...r['shared gate · level 1']])
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // The shared gate mixes every expert.
    expect(support(r['shared gate · level 1']).nonZero).toEqual([0, 1, 2, 3, 4, 5, 6]);

    // The weights are really unused: at the last level nothing but buy's gate reads buy's specific experts.
    const batch = batchOf([0, 1, 2, 1]);
    const before = await logitsOf(model, batch);
    await perturbMember(model, 'l2.specific.0.w', 2, 4); // buy's first level-2 specific expert
    const after = await logitsOf(model, batch);
    expect(after.map((r) => r[0])).toEqual(before.map((r) => r[0]));
    expect(
      maxDiff(
        after.map((r) => [r[1]]),
        before.map((r) => [r[1]]),
      ),
    ).toBeGreaterThan(1e-4);
  });

  it('wires two levels: shared experts feed both tasks, a level-2 task gate reads its own level-1 output', async () => {
    const opts = { levels: 2, specificExperts: 1, sharedExperts: 2, expertLayers: [8], specificPer: 'task' };
    const batch = batchOf([0, 1, 2, 1, 0], 5);
    // Level-1 experts (one stack on x): click 0, buy 1, shared 2–3. Level 2 has no shared gate.
    const base = build(opts);
    expect(
      base.params
        .entries()
        .map(([n]) => n)
        .filter((n) => n.includes('sharedGate')),
    ).toEqual(['l1.sharedGate.w', 'l1.sharedGate.b']);
    const logits0 = await logitsOf(base, batch);
    const routing0 = await routingOf(base, batch);

    // A level-1 shared expert changes the level-2 output of both tasks...
    const shared = build(opts);
    await perturbMember(shared, 'l1.experts.0.w', 2, 4);
    const logitsShared = await logitsOf(shared, batch);
    expect(
      maxDiff(
        logitsShared.map((r) => [r[0]]),
        logits0.map((r) => [r[0]]),
      ),
    ).toBeGreaterThan(1e-4);
    expect(
      maxDiff(
        logitsShared.map((r) => [r[1]]),
        logits0.map((r) => [r[1]]),
      ),
    ).toBeGreaterThan(1e-4);

    // ...buy's level-1 expert reaches click only through the shared path: click's level-2 gate does not move...
    const buy = build(opts);
    await perturbMember(buy, 'l1.experts.0.w', 1, 4);
    const routingBuy = await routingOf(buy, batch);
    expect(routingBuy['gate · click']).toEqual(routing0['gate · click']);
    expect(maxDiff(routingBuy['gate · buy'], routing0['gate · buy'])).toBeGreaterThan(1e-6);
    expect(maxDiff(routingBuy['shared gate · level 1'], routing0['shared gate · level 1'])).toBe(0);

    // ...while click's own level-1 expert moves it: the level-2 click gate reads the level-1 click output.
    const click = build(opts);
    await perturbMember(click, 'l1.experts.0.w', 0, 4);
    const routingClick = await routingOf(click, batch);
    expect(maxDiff(routingClick['gate · click'], routing0['gate · click'])).toBeGreaterThan(1e-6);
    expect(routingClick['gate · buy']).toEqual(routing0['gate · buy']);

    // The level-1 shared gate feeds only the level-2 shared experts: both logits move, no task gate does.
    const gate = build(opts);
    await perturbMember(gate, 'l1.sharedGate.w', 2, 4); // the logit column of expert 2 (a softmax ignores a shift of all)
    const routingGate = await routingOf(gate, batch);
    const logitsGate = await logitsOf(gate, batch);
    expect(routingGate['gate · click']).toEqual(routing0['gate · click']);
    expect(routingGate['gate · buy']).toEqual(routing0['gate · buy']);
    expect(maxDiff(logitsGate, logits0)).toBeGreaterThan(1e-4);

    // One level is CGC: no shared gate at all.
    expect(
      build({ ...opts, levels: 1 })
        .params.entries()
        .some(([n]) => n.includes('sharedGate')),
    ).toBe(false);
  });

  it('routes each sample to its unit: per task, per domain or per (domain, task) cell', async () => {
    const Ks = 2;
    const S = 2;
    const block = (u: number, units: number) => {
      const own = [u * Ks, u * Ks + 1];
      const shared = Array.from({ length: S }, (_, s) => units * Ks + s);
      return own.concat(shared);
    };
    for (const unit of ['task', 'domain', 'cell'] as const) {
      const model = build({
        levels: 2,
        specificExperts: Ks,
        sharedExperts: S,
        expertLayers: [6],
        specificPer: unit,
      });
      const units = unit === 'task' ? 2 : unit === 'domain' ? 3 : 6;
      for (const d of [0, 1, 2]) {
        // The same features under each domain: only the unit may change.
        const r = await routingOf(model, batchOf([d, d, d], 7));
        ['click', 'buy'].forEach((task, t) => {
          const u = unit === 'task' ? t : unit === 'domain' ? d : d * 2 + t;
          const rows = r[`gate · ${task}`];
          expect(rows[0]).toHaveLength(units * Ks + S);
          expect(support(rows).nonZero, `${unit}, domain ${d}, ${task}`).toEqual(block(u, units));
        });
      }
      const a = await routingOf(model, batchOf([0, 0], 7));
      const b = await routingOf(model, batchOf([1, 1], 7));
      expect(maxDiff(a['gate · click'], b['gate · click']) > 0, `gate per ${unit}`).toBe(unit !== 'task');
    }
  });

  it('computes the same logits and gradients under every backend formulation', async () => {
    for (const unit of ['task', 'cell'] as const) {
      await expectSameUnderEveryFormulation((f) => {
        const model = build(
          {
            levels: 3,
            specificExperts: 2,
            sharedExperts: 2,
            expertLayers: [8, 6],
            specificPer: unit,
            towerLayers: [5],
          },
          f,
        );
        return { model, loss: squaredLogitSum(model, batchOf([0, 1, 2, 1, 0])) };
      });
    }
  });

  it('reaches every trainable variable with a gradient, for every unit', async () => {
    for (const unit of ['task', 'domain', 'cell'] as const) {
      const model = build({
        levels: 2,
        specificExperts: 1,
        sharedExperts: 2,
        expertLayers: [8, 4],
        specificPer: unit,
      });
      expect(
        await variablesWithoutGradient(model, logitSum(model, batchOf([0, 1, 2, 1, 2, 0]))),
        `${unit}: variables without gradient`,
      ).toEqual([]);
    }
  });

  it('matches the census reference parameter count (2 levels, 2 task + 4 shared experts of 64)', () => {
    const census: DataShape = {
      numCat: 32,
      numNum: 7,
      vocabSize: 526,
      numDomains: 2,
      numTasks: 2,
      domainNames: ['f', 'm'],
      taskNames: ['income', 'never_married'],
    };
    const model = buildModel(
      'ple',
      {
        levels: 2,
        specificExperts: 2,
        sharedExperts: 4,
        expertLayers: [64],
        specificPer: 'task',
        towerLayers: [32],
      },
      testContext(census, 16, 1, PER_MEMBER),
    ).model;
    expect(model.params.count()).toBe(323_342);
    model.params.dispose();
  });

  it('keeps tf.memory().numTensors flat over training steps, evaluations included', async () => {
    const ds = tinyTwoDomains();
    const model = buildFor(ds, 'ple', {
      levels: 2,
      specificExperts: 1,
      sharedExperts: 2,
      expertLayers: [8],
      specificPer: 'cell',
      towerLayers: [4],
    });
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 120), 120, 80);
  });

  it('rejects bad options by name', () => {
    expect(() => build({ specificPer: 'user' })).toThrow(/specificPer.*one of task, domain, cell/);
    expect(() => build({ levels: 0 })).toThrow(/levels/);
  });
});
