import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import type { DataShape } from '../data/types';
import { buildModel } from './registry';
import type { Formulation } from './layers';
import type { Batch } from './types';

const shape: DataShape = { numCat: 3, numNum: 2, vocabSize: 20, numDomains: 3, numTasks: 2, domainNames: ['a', 'b', 'c'], taskNames: ['click', 'buy'] };

function batchOf(domains: number[], seed = 1): Batch {
  const rng = new Rng(seed);
  const B = domains.length;
  const cat = Int32Array.from({ length: B * 3 }, (_, i) => (i % 3) * 6 + rng.int(6));
  const num = rng.fillNormal(new Float32Array(B * 2));
  const domain = tf.tensor1d(domains, 'int32');
  return { cat: tf.tensor2d(cat, [B, 3], 'int32'), num: tf.tensor2d(num, [B, 2]), domain, domainOneHot: tf.oneHot(domain, 3).toFloat() as tf.Tensor2D };
}

function build(options: Record<string, unknown>, f: Formulation, id = 'mmoe') {
  return buildModel(id, options, { shape, embeddingDim: 4, rng: new Rng(3), formulation: f }).model;
}

const PER_MEMBER: Formulation = { explicitTransposeGrad: false, batchedStacks: false };
const BATCHED: Formulation = { explicitTransposeGrad: false, batchedStacks: true };
const EXPLICIT: Formulation = { explicitTransposeGrad: true, batchedStacks: false };

describe('MMoE', () => {
  beforeAll(useCpu);

  it('gives every task a gate row that sums to 1 over the experts', async () => {
    const model = build({ experts: 5, expertLayers: [8], gate: 'task' }, PER_MEMBER);
    const out = model.forward(batchOf([0, 1, 2, 0]), 'eval', new Rng(1));
    expect(Object.keys(out.routing)).toEqual(['gate · click', 'gate · buy']);
    for (const w of Object.values(out.routing)) {
      expect(w.shape).toEqual([4, 5]);
      for (const s of (await tf.sum(w, 1).array()) as number[]) expect(s).toBeCloseTo(1, 5);
    }
    expect(out.logits.shape).toEqual([4, 2]);
  });

  it('routes by the configured gate unit: only domain and cell gates depend on the domain', async () => {
    for (const gate of ['task', 'domain', 'cell'] as const) {
      const model = build({ experts: 4, expertLayers: [8], gate }, PER_MEMBER);
      // The same features under two domains: only the gate choice may differ.
      const a = await model.forward(batchOf([0, 0], 7), 'eval', new Rng(1)).routing['gate · click'].array();
      const b = await model.forward(batchOf([1, 1], 7), 'eval', new Rng(1)).routing['gate · click'].array();
      const differs = a.some((row, i) => row.some((v, e) => Math.abs(v - b[i][e]) > 1e-6));
      expect(differs, `gate per ${gate}`).toBe(gate !== 'task');
      if (gate === 'domain') {
        // One gate per domain is shared by its tasks.
        const buy = await model.forward(batchOf([0, 0], 7), 'eval', new Rng(1)).routing['gate · buy'].array();
        expect(buy).toEqual(a);
      }
    }
  });

  it('computes the same logits and gradients under every backend formulation', async () => {
    const results: { loss: Float32Array | Int32Array | Uint8Array; grads: (Float32Array | Int32Array | Uint8Array)[] }[] = [];
    for (const f of [PER_MEMBER, BATCHED, EXPLICIT]) {
      const model = build({ experts: 3, expertLayers: [8, 6], gate: 'cell', towerLayers: [5] }, f);
      const batch = batchOf([0, 1, 2, 1, 0]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(batch, 'train', new Rng(1)).logits)) as tf.Scalar, model.params.trainable());
      results.push({ loss: await value.data(), grads: await Promise.all(model.params.trainable().map((v) => grads[v.name].data())) });
    }
    for (const r of results.slice(1)) {
      expect(r.loss[0]).toBeCloseTo(results[0].loss[0], 4);
      r.grads.forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(results[0].grads[i][j], 4)));
    }
  });

  it('reaches every trainable variable with a gradient', async () => {
    for (const [id, options] of [['mmoe', { gate: 'cell', expertLayers: [8, 4] }], ['shared-bottom', {}]] as const) {
      const model = build(options, PER_MEMBER, id);
      const batch = batchOf([0, 1, 2, 1]);
      const { grads } = tf.variableGrads(() => tf.sum(model.forward(batch, 'train', new Rng(1)).logits) as tf.Scalar, model.params.trainable());
      const without = [];
      for (const [name, v] of model.params.entries()) {
        const g = grads[v.name];
        if (!g || (await tf.max(tf.abs(g)).data())[0] === 0) without.push(name);
      }
      expect(without, `${id}: variables without gradient`).toEqual([]);
    }
  });

  it('rejects unknown options by name', () => {
    expect(() => build({ expert: 4 }, PER_MEMBER)).toThrow(/unknown option "expert"/);
    expect(() => build({ gate: 'user' }, PER_MEMBER)).toThrow(/gate.*one of task, domain, cell/);
  });
});
