import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchOf,
  buildFor,
  buildSmall,
  expectFlatTensorCounts,
  expectSameUnderEveryFormulation,
  PER_MEMBER,
  plantedFourDomains,
  synthesize,
  tensorCountsOverTraining,
  variablesWithoutGradient,
} from '../testing/models';
import { useCpu } from '../testing/tf';
import { DEFAULT_TRAIN } from '../train/config';
import { evaluate } from '../train/evaluate';
import { Trainer } from '../train/trainer';
import { Rng } from '../util/rng';
import { SelectionLayer, type SelectionConfig } from './aesm2';
import type { Formulation } from './experts';
import { Params } from './layers';
import { AESM2_INFO } from './info/aesm2';
import { selectedGateLogits, selectionDetail } from './selection';

function build(options: Record<string, unknown>, f: Formulation = PER_MEMBER) {
  return buildSmall('aesm2', options, f);
}

/** Row-wise sets of indices where `values` is non-zero. */
function nonZero(rows: number[][]): number[][] {
  return rows.map((r) => r.flatMap((v, i) => (v !== 0 ? [i] : [])));
}

/** Indices of the k smallest entries (ties to the lower index, as tf.topk on the negation). */
function kSmallest(row: number[], k: number): number[] {
  return row
    .map((v, i) => [v, i])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
}

describe('AESM²', () => {
  beforeAll(useCpu);

  it('gives exactly the selected experts (SP ∪ SH, from the KL ranking) a non-zero weight, per sample', async () => {
    const p = new Params(new Rng(5));
    const G = 3;
    const N = 6;
    const layer = new SelectionLayer(p, 'l', 7, 2, G, N, [5], false, 0);
    const B = 40;
    const rng = new Rng(9);
    const h = tf.tensor2d(rng.fillNormal(new Float32Array(B * 7)), [B, 7]);
    const ctx = tf.tensor2d(rng.fillNormal(new Float32Array(B * 2)), [B, 2]);
    const own = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: B }, (_, b) => b % G),
          'int32',
        ),
        G,
      )
      .toFloat() as tf.Tensor2D;
    const cfg: SelectionConfig = { kSp: 2, kSh: 2, noiseScale: 0.1, masking: 'additive' };
    const s = layer.forward(h, [ctx], own, cfg, 'eval', new Rng(1), PER_MEMBER);
    const A = (await s.logits.array()) as number[][][];
    const W = (await tf.softmax(s.gate).array()) as number[][];
    const selected = nonZero(W);
    let overlaps = 0;
    for (let b = 0; b < B; b++) {
      // KL recomputed here from the logits: P[g] = softmax over the gates, per expert.
      const klSp: number[] = [];
      const klSh: number[] = [];
      for (let n = 0; n < N; n++) {
        const col = A[b].map((row) => row[n]);
        const m = Math.max(...col);
        const lse = m + Math.log(col.reduce((a, v) => a + Math.exp(v - m), 0));
        const logP = col.map((v) => v - lse);
        klSp.push(-logP[b % G]);
        klSh.push(-Math.log(G) - logP.reduce((a, v) => a + v, 0) / G);
      }
      const sp = kSmallest(klSp, 2);
      const sh = kSmallest(klSh, 2);
      const union = [...new Set([...sp, ...sh])].sort((a, c) => a - c);
      if (union.length < 4) overlaps++;
      expect(selected[b], `row ${b}`).toEqual(union);
      expect(W[b].reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    }
    // Fewer than k_sp + k_sh when the two sets overlap: the test sees both cases.
    expect(overlaps).toBeGreaterThan(0);
    expect(overlaps).toBeLessThan(B);

    // The whole model: every layer's routing row keeps between max(k) and k_sp + k_sh experts.
    const model = build({
      scenarioLayers: 2,
      taskLayers: 1,
      experts: 6,
      kSp: 2,
      kSh: 1,
      scenarioExpertLayers: [8],
      taskExpertLayers: [8],
      towerLayers: [4],
    });
    const out = model.forward(batchOf([0, 1, 2, 0, 1, 2, 2, 1]), 'eval', new Rng(1));
    expect(Object.keys(out.routing)).toEqual([
      'scenario L1',
      'scenario L2',
      'task L1 · click',
      'task L1 · buy',
    ]);
    for (const w of Object.values(out.routing)) {
      for (const row of nonZero((await w.array()) as number[][])) {
        expect(row.length).toBeGreaterThanOrEqual(2);
        expect(row.length).toBeLessThanOrEqual(3);
      }
    }
  });

  it('gives an unselected expert with a negative logit zero weight; the released ×−1e9 mask gives it all (regression)', async () => {
    // Hand case: experts 0 and 1 selected, expert 2 unselected with logit −3.
    const a = tf.tensor2d([[1, 2, -3, 0.5]]);
    const sp = tf.tensor2d([[1, 0, 0, 0]]);
    const sh = tf.tensor2d([[0, 1, 0, 0]]);
    const additive = (await tf.softmax(selectedGateLogits(a, sp, sh, 'additive')).array())[0];
    const e = Math.exp(1) + Math.exp(2);
    expect(additive[0]).toBeCloseTo(Math.exp(1) / e, 6);
    expect(additive[1]).toBeCloseTo(Math.exp(2) / e, 6);
    expect(additive[2]).toBe(0);
    expect(additive[3]).toBe(0);
    const multiplicative = (await tf.softmax(selectedGateLogits(a, sp, sh, 'multiplicative')).array())[0];
    expect(multiplicative[2]).toBeCloseTo(1, 6);

    // The same selection from a layer's gates under both maskings: rows where an unselected expert has a negative logit.
    const p = new Params(new Rng(11));
    const layer = new SelectionLayer(p, 'l', 6, 2, 2, 8, [4], false, 0);
    const B = 30;
    const rng = new Rng(4);
    const h = tf.tensor2d(rng.fillNormal(new Float32Array(B * 6)), [B, 6]);
    const ctx = tf.tensor2d(rng.fillNormal(new Float32Array(B * 2)), [B, 2]);
    const own = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: B }, (_, b) => b % 2),
          'int32',
        ),
        2,
      )
      .toFloat() as tf.Tensor2D;
    const A = layer.logits(h, [ctx], PER_MEMBER);
    const base: SelectionConfig = { kSp: 2, kSh: 1, noiseScale: 0, masking: 'additive' };
    const add = selectionDetail(A, own, null, base);
    const mul = selectionDetail(A, own, null, { ...base, masking: 'multiplicative' });
    const aOwn = (await tf.sum(tf.mul(A, tf.expandDims(own, 2)), 1).array()) as number[][];
    const union = (await tf.maximum(add.sp, add.sh).array()) as number[][];
    const wAdd = (await tf.softmax(add.gate).array()) as number[][];
    const wMul = (await tf.softmax(mul.gate).array()) as number[][];
    let negativeRows = 0;
    for (let b = 0; b < B; b++) {
      const unselected = union[b].flatMap((u, n) => (u === 0 ? [n] : []));
      for (const n of unselected) expect(wAdd[b][n]).toBe(0);
      if (unselected.some((n) => aOwn[b][n] < 0)) {
        negativeRows++;
        const leaked = unselected.reduce((s, n) => s + wMul[b][n], 0);
        expect(leaked, `row ${b}: weight on unselected experts under ×−1e9`).toBeGreaterThan(0.99);
      }
    }
    expect(negativeRows).toBeGreaterThan(B / 2);
  });

  it('lowers the selected experts’ KL terms when trained on a planted domain-specific set', async () => {
    const ds = synthesize(plantedFourDomains('planted-aesm2', 4000)).ds;
    const options = {
      experts: 8,
      kSp: 2,
      kSh: 2,
      scenarioExpertLayers: [16],
      taskExpertLayers: [16],
      towerLayers: [8],
      alpha: 0.01,
      beta: 0.01,
    };
    const model = buildFor(ds, 'aesm2', options);
    const before = await evaluate(model, ds, ds.splits.test, 600, new Rng(1), 'test');
    const trainer = new Trainer({
      model,
      dataset: ds,
      config: {
        ...DEFAULT_TRAIN,
        embeddingDim: 4,
        batchSize: 256,
        learningRate: 0.02,
        epochs: 4,
        patience: 0,
      },
      onEvent: () => {},
    });
    const done = await trainer.run();
    trainer.dispose();
    // Raw mean KL of the selected experts, summed over the 1 + 2 selection layers (aux / weight).
    const kl = (r: { aux: Record<string, number> }) => ({ sp: r.aux.L_sp / 0.01, sh: r.aux.L_sh / 0.01 });
    const k0 = kl(before);
    const k1 = kl(done.test);
    console.log(
      `AESM² KL (eval, test split): Σ mean KL_sp ${k0.sp.toFixed(4)} → ${k1.sp.toFixed(4)}, Σ mean KL_sh ${k0.sh.toFixed(4)} → ${k1.sh.toFixed(4)}; mean task AUC ${before.meanTaskAuc?.toFixed(4)} → ${done.test.meanTaskAuc?.toFixed(4)}`,
    );
    expect(k1.sp).toBeLessThan(k0.sp * 0.5);
    // Untrained gates are near-identical, so every expert starts close to uniform (KL_sh ≈ 0) and KL_sh grows as
    // the gates specialise; the selected shared experts must stay close to uniform: Σ log G = log 4 + 2 log 2.
    // (That L_sh lowers KL_sh from a specialised start is the next test.)
    expect(k1.sh).toBeLessThan(0.25 * (Math.log(4) + 2 * Math.log(2)));
    expect(done.test.meanTaskAuc!).toBeGreaterThan(before.meanTaskAuc! + 0.1);
  }, 300_000); // trains for real: generous under a loaded CPU

  it('lowers both KL terms by gradient descent on the gates alone (specialised gates at the start)', async () => {
    const p = new Params(new Rng(6));
    const G = 3;
    const layer = new SelectionLayer(p, 'l', 6, 2, G, 6, [4], false, 0);
    // Spread the gates apart so that no expert starts close to uniform.
    for (const [name, v] of p.entries()) if (name.startsWith('l.gates')) v.assign(tf.mul(v, 6));
    const B = 48;
    const rng = new Rng(2);
    const h = tf.tensor2d(rng.fillNormal(new Float32Array(B * 6)), [B, 6]);
    const ctx = tf.tensor2d(rng.fillNormal(new Float32Array(B * 2)), [B, 2]);
    const own = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: B }, (_, b) => b % G),
          'int32',
        ),
        G,
      )
      .toFloat() as tf.Tensor2D;
    const cfg: SelectionConfig = { kSp: 2, kSh: 2, noiseScale: 0.1, masking: 'additive' };
    const gateVars = p
      .entries()
      .filter(([n]) => n.startsWith('l.gates'))
      .map(([, v]) => v);
    const kl = async () => {
      const s = selectionDetail(layer.logits(h, [ctx], PER_MEMBER), own, null, cfg);
      return { sp: (await s.lossSp.data())[0], sh: (await s.lossSh.data())[0] };
    };
    const k0 = await kl();
    const opt = tf.train.adam(0.05);
    const stepRng = new Rng(3);
    for (let i = 0; i < 150; i++) {
      opt.minimize(
        () => {
          const s = layer.forward(h, [ctx], own, cfg, 'train', stepRng, PER_MEMBER);
          return tf.sum(s.losses) as tf.Scalar;
        },
        false,
        gateVars,
      );
    }
    const k1 = await kl();
    console.log(
      `AESM² KL on the gates alone (150 Adam steps): KL_sp ${k0.sp.toFixed(4)} → ${k1.sp.toFixed(4)}, KL_sh ${k0.sh.toFixed(4)} → ${k1.sh.toFixed(4)}`,
    );
    expect(k1.sp).toBeLessThan(k0.sp * 0.5);
    expect(k1.sh).toBeLessThan(k0.sh * 0.5);
    opt.dispose();
  });

  it('reaches every trainable variable with a gradient (task loss + KL terms)', async () => {
    for (const options of [
      { batchNorm: false },
      {
        shareTaskLayers: false,
        scenarioLayers: 2,
        taskLayers: 2,
        scenarioExpertLayers: [8, 4],
        dropout: 0.2,
        batchNorm: true,
      },
    ]) {
      const model = build({
        experts: 4,
        kSp: 2,
        kSh: 1,
        scenarioExpertLayers: [8],
        taskExpertLayers: [8],
        towerLayers: [4],
        ...options,
      });
      const batch = batchOf([0, 1, 2, 1, 0, 2, 1, 2, 0, 0, 1, 2]);
      const loss = () => {
        const out = model.forward(batch, 'train', new Rng(1));
        return tf.addN([tf.sum(out.logits), out.aux.L_sp, out.aux.L_sh]) as tf.Scalar;
      };
      expect(
        await variablesWithoutGradient(model, loss, /\.bn\.moving(Mean|Var)$/),
        `variables without gradient (${JSON.stringify(options)})`,
      ).toEqual([]);
      // Only the BatchNorm moving averages are stored without being trained.
      const frozen = model.params
        .entries()
        .filter(([, v]) => !v.trainable)
        .map(([n]) => n);
      expect(frozen.every((n) => /\.bn\.moving(Mean|Var)$/.test(n))).toBe(true);
      expect(frozen.length > 0).toBe(options.batchNorm);
    }
  });

  it('routes the KL gradient into the gates only through the selected experts', async () => {
    // α = 1, no task loss: d L_sp / d A must be zero on every gate column no row selected as specific.
    const p = new Params(new Rng(8));
    const layer = new SelectionLayer(p, 'l', 5, 1, 2, 6, [3], false, 0);
    const h = tf.tensor2d([[0.3, -1, 0.5, 2, -0.2]]);
    const ctx = tf.tensor2d([[1]]);
    const own = tf.tensor2d([[1, 0]]);
    const cfg: SelectionConfig = { kSp: 2, kSh: 0, noiseScale: 0, masking: 'additive' };
    const A = layer.logits(h, [ctx], PER_MEMBER);
    const grad = tf.grad((a: tf.Tensor) => selectionDetail(a as tf.Tensor3D, own, null, cfg).lossSp)(A);
    const sp = (await selectionDetail(A, own, null, cfg).sp.array())[0];
    const g = (await grad.array()) as number[][][];
    for (let n = 0; n < 6; n++) {
      const mag = Math.abs(g[0][0][n]) + Math.abs(g[0][1][n]);
      if (sp[n] === 1) expect(mag).toBeGreaterThan(0);
      else expect(mag).toBe(0);
    }
  });

  it('keeps tf.memory().numTensors flat over 200 training steps (noise, dropout and BatchNorm on)', async () => {
    const ds = synthesize(plantedFourDomains('planted-aesm2', 3000)).ds;
    const model = buildFor(ds, 'aesm2', {
      experts: 4,
      scenarioExpertLayers: [8, 8],
      taskExpertLayers: [8],
      towerLayers: [4],
      dropout: 0.2,
      noiseScale: 0.1,
      batchNorm: true,
    });
    expectFlatTensorCounts(await tensorCountsOverTraining(model, ds, 200), 200, 100);
  });

  it('computes the same loss and gradients under every backend formulation (noise off)', async () => {
    for (const options of [
      { batchNorm: false },
      {
        shareTaskLayers: false,
        taskLayers: 2,
        scenarioExpertLayers: [8, 6],
        taskExpertLayers: [6, 5],
        masking: 'multiplicative',
        batchNorm: true,
      },
    ]) {
      await expectSameUnderEveryFormulation((f) => {
        const model = build(
          {
            experts: 5,
            kSp: 2,
            kSh: 2,
            scenarioExpertLayers: [8],
            taskExpertLayers: [6],
            towerLayers: [5],
            noiseScale: 0,
            ...options,
          },
          f,
        );
        const batch = batchOf([0, 1, 2, 1, 0, 2]);
        const loss = () => {
          const out = model.forward(batch, 'train', new Rng(1));
          return tf.addN([tf.sum(tf.square(out.logits)), out.aux.L_sp, out.aux.L_sh]) as tf.Scalar;
        };
        return { model, loss };
      });
    }
  });

  it('draws its selection noise from the passed generator, in training only', async () => {
    const model = build({ experts: 6, noiseScale: 0.5, batchNorm: false });
    const batch = batchOf([0, 1, 2, 0, 1, 2]);
    const loss = async (mode: 'train' | 'eval', seed: number) =>
      (await model.forward(batch, mode, new Rng(seed)).aux.L_sp.data())[0];
    expect(await loss('train', 1)).toBe(await loss('train', 1));
    expect(await loss('train', 1)).not.toBe(await loss('train', 2));
    expect(await loss('eval', 1)).toBe(await loss('eval', 2));
    expect(Object.keys(model.forward(batch, 'train', new Rng(1)).routing)).toEqual([]);
  });

  it('rejects impossible selections by option name', () => {
    expect(() => build({ experts: 4, kSp: 5 })).toThrow(/"kSp"/);
    expect(() => build({ kSp: 0, kSh: 0 })).toThrow(/"kSp" and "kSh"/);
    expect(() => build({ scenarioLayers: 0, taskLayers: 0 })).toThrow(/"scenarioLayers"/);
    expect(() => build({ masking: 'times' })).toThrow(/masking.*additive, multiplicative/);
  });

  it('builds every preset, and its info names each option once', () => {
    expect(new Set(AESM2_INFO.options.map((o) => o.key)).size).toBe(AESM2_INFO.options.length);
    for (const preset of AESM2_INFO.presets) expect(() => build(preset.options), preset.name).not.toThrow();
    expect(new Set(AESM2_INFO.presets.map((x) => x.name)).size).toBe(AESM2_INFO.presets.length);
  });
});
