import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchOf,
  buildSmall,
  expectSameUnderEveryFormulation,
  logitSum,
  PER_MEMBER,
  squaredLogitSum,
  variablesWithoutGradient,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import type { Formulation } from './experts';

function build(options: Record<string, unknown>, f: Formulation, id = 'mmoe') {
  return buildSmall(id, options, f);
}

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
    await expectSameUnderEveryFormulation((f) => {
      const model = build({ experts: 3, expertLayers: [8, 6], gate: 'cell', towerLayers: [5] }, f);
      return { model, loss: squaredLogitSum(model, batchOf([0, 1, 2, 1, 0])) };
    });
  });

  it('reaches every trainable variable with a gradient', async () => {
    for (const [id, options] of [
      ['mmoe', { gate: 'cell', expertLayers: [8, 4] }],
      ['shared-bottom', {}],
    ] as const) {
      const model = build(options, PER_MEMBER, id);
      expect(
        await variablesWithoutGradient(model, logitSum(model, batchOf([0, 1, 2, 1]))),
        `${id}: variables without gradient`,
      ).toEqual([]);
    }
  });

  it('rejects unknown options by name', () => {
    expect(() => build({ expert: 4 }, PER_MEMBER)).toThrow(/unknown option "expert"/);
    expect(() => build({ gate: 'user' }, PER_MEMBER)).toThrow(/gate.*one of task, domain, cell/);
  });
});
