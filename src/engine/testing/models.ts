/** Shared fixtures for the model and trainer tests: a small shape and batch, the formulations, and the common mechanism checks. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { encodeDataset } from '../data/encode';
import { parseCsv } from '../data/csv';
import { dataShapeOf, type DataShape, type EncodedDataset } from '../data/types';
import { formulationFor, type Formulation } from '../models/experts';
import { buildModel } from '../models/registry';
import type { Batch, BuildContext, Model } from '../models/types';
import { BUNDLED_SPECS } from '../synth/bundled';
import { generate } from '../synth/generate';
import type { SynthSpec } from '../synth/spec';
import { DEFAULT_TRAIN, type TrainConfig } from '../train/config';
import { Trainer, type DoneEvent } from '../train/trainer';
import { Rng } from '../util/rng';

// Small enough to check by hand and fast on the cpu backend, yet with several domains and tasks to route between.
export const SMALL_SHAPE: DataShape = {
  numCat: 3,
  numNum: 2,
  vocabSize: 20,
  numDomains: 3,
  numTasks: 2,
  domainNames: ['a', 'b', 'c'],
  taskNames: ['click', 'buy'],
};

// Deterministic features for the given domain of each row: the same seed gives the same features under other domains.
export function batchOf(domains: number[], seed = 1, s: DataShape = SMALL_SHAPE): Batch {
  const rng = new Rng(seed);
  const B = domains.length;
  const cat = Int32Array.from({ length: B * s.numCat }, (_, i) => (i % s.numCat) * 6 + rng.int(6));
  const num = rng.fillNormal(new Float32Array(B * s.numNum));
  const domain = tf.tensor1d(domains, 'int32');
  // tf.oneHot refuses depth 1.
  const domainOneHot = s.numDomains === 1 ? tf.ones([B, 1]) : tf.oneHot(domain, s.numDomains).toFloat();
  return {
    cat: tf.tensor2d(cat, [B, s.numCat], 'int32'),
    num: tf.tensor2d(num, [B, s.numNum]),
    domain,
    domainOneHot: domainOneHot as tf.Tensor2D,
  };
}

// The formulations the cpu backend can run (the fused one needs WebGPU: kernels/fused.test.ts); a model must not
// depend on which one runs.
export const PER_MEMBER: Formulation = formulationFor('cpu');
export const EXPLICIT: Formulation = formulationFor('wasm');
export const FORMULATIONS: readonly Formulation[] = [PER_MEMBER, EXPLICIT];

/**
 * The build context of the mechanism tests: N(0, 1) embeddings and no domain input field (the settings these tests
 * were written against), unless `input` says otherwise; the run defaults are tested in layers.test.ts.
 */
export function testContext(
  shape: DataShape,
  embeddingDim: number,
  seed: number,
  formulation: Formulation,
  input: Partial<BuildContext> = {},
): BuildContext {
  return {
    shape,
    embeddingDim,
    embeddingInit: 'normal',
    embeddingInitScale: 1,
    domainInput: false,
    rng: new Rng(seed),
    formulation,
    ...input,
  };
}

// One seeded build of a registered model on a test shape, so that every formulation starts from the same weights.
export function buildSmall(
  id: string,
  options: Record<string, unknown>,
  f: Formulation = PER_MEMBER,
  shape: DataShape = SMALL_SHAPE,
  seed = 3,
): Model {
  return buildModel(id, options, testContext(shape, 4, seed, f)).model;
}

// A model sized for a synthetic dataset, as the training tests build it.
export function buildFor(ds: EncodedDataset, id: string, options: Record<string, unknown>): Model {
  return buildModel(id, options, testContext(dataShapeOf(ds.schema), 4, 2, PER_MEMBER)).model;
}

// A training-mode loss Σ logits: every parameter on a path to an output gets a gradient.
export function logitSum(model: Model, batch: Batch): () => tf.Scalar {
  return () => tf.sum(model.forward(batch, 'train', new Rng(1)).logits) as tf.Scalar;
}

// A training-mode loss Σ logits²: its gradients depend on the logit values, so formulations that differ are caught.
export function squaredLogitSum(model: Model, batch: Batch): () => tf.Scalar {
  return () => tf.sum(tf.square(model.forward(batch, 'train', new Rng(1)).logits)) as tf.Scalar;
}

// The backend formulations are interchangeable only if a model's loss and every gradient agree under each of them.
export async function expectSameUnderEveryFormulation(
  setup: (f: Formulation) => { model: Model; loss: () => tf.Scalar },
): Promise<void> {
  const results: { loss: number; grads: Float32Array[] }[] = [];
  for (const f of FORMULATIONS) {
    const { model, loss } = setup(f);
    const vars = model.params.trainable();
    const { value, grads } = tf.variableGrads(loss, vars);
    results.push({
      loss: (await value.data())[0],
      grads: await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>)),
    });
  }
  for (const r of results.slice(1)) {
    expect(r.loss).toBeCloseTo(results[0].loss, 4);
    expect(r.grads).toHaveLength(results[0].grads.length);
    r.grads.forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(results[0].grads[i][j], 4)));
  }
}

// A variable that no loss reaches is a wiring bug: lists trainable ones with no or an all-zero gradient, and stored
// non-trainable ones unless their name matches `frozen` (e.g. moving averages).
export async function variablesWithoutGradient(
  model: Model,
  loss: () => tf.Scalar,
  frozen?: RegExp,
): Promise<string[]> {
  const { grads } = tf.variableGrads(loss, model.params.trainable());
  const without: string[] = [];
  for (const [name, v] of model.params.entries()) {
    if (!v.trainable && frozen?.test(name)) continue;
    const g = grads[v.name];
    if (!v.trainable || !g || (await tf.max(tf.abs(g)).data())[0] === 0) without.push(name);
  }
  return without;
}

// Finds a bundled synthetic spec by id, failing loudly when it is renamed.
export function bundledSpec(id: string): SynthSpec {
  const spec = BUNDLED_SPECS.find((s) => s.id === id);
  if (!spec) throw new Error(`no bundled spec "${id}"`);
  return spec;
}

// The real data path (generate → CSV → encode), so training tests see what the app sees.
export function synthesize(spec: SynthSpec): {
  ds: EncodedDataset;
  oracle: ReturnType<typeof generate>['oracle'];
} {
  const result = generate(spec);
  return { ds: encodeDataset(parseCsv(result.csv), result.mapping), oracle: result.oracle };
}

// The small two-domain set the leak and scheduling tests train on.
export function tinyTwoDomains(rows = 3000): EncodedDataset {
  return synthesize({ ...bundledSpec('tiny-two-domains'), rows }).ds;
}

// Four domains that need different weights (strong domain-specific signal, little overlap): routing should specialise.
export function plantedFourDomains(id: string, rows = 6000): SynthSpec {
  return {
    ...bundledSpec('tiny-two-domains'),
    id,
    rows,
    domains: [
      { name: 'd0', weight: 1 },
      { name: 'd1', weight: 1 },
      { name: 'd2', weight: 1 },
      { name: 'd3', weight: 1 },
    ],
    structure: {
      shared: 0.5,
      domainSpecific: 2.0,
      taskSpecific: 0.3,
      taskCorrelation: 0.5,
      domainOverlap: 0.05,
      noise: 0.2,
    },
  };
}

// Trains for `steps` small steps (an evaluation every steps/4) recording tf.memory().numTensors after each: a leak grows it.
export async function tensorCountsOverTraining(
  model: Model,
  dataset: EncodedDataset,
  steps: number,
  over: Partial<TrainConfig> = {},
): Promise<{ counts: number[]; held: number; done: DoneEvent }> {
  const held = model.params.entries().length;
  const counts: number[] = [];
  const trainer = new Trainer({
    model,
    dataset,
    config: {
      ...DEFAULT_TRAIN,
      embeddingDim: 4,
      batchSize: 32,
      learningRate: 0.01,
      epochs: 10,
      maxSteps: steps,
      evalEvery: steps / 4,
      liveEvalRows: 100,
      ...over,
    },
    onEvent: (e) => {
      if (e.type === 'progress') counts.push(tf.memory().numTensors);
    },
  });
  const done = await trainer.run();
  trainer.dispose();
  return { counts, held, done };
}

// Leak-free: one count per step, growth no more than the best-epoch weight snapshot (one copy per variable), and
// constant from `settledFrom` on.
export function expectFlatTensorCounts(
  run: { counts: number[]; held: number },
  steps: number,
  settledFrom: number,
): void {
  const { counts, held } = run;
  expect(counts.length).toBe(steps);
  expect(Math.max(...counts) - counts[0]).toBeLessThanOrEqual(held);
  expect(new Set(counts.slice(settledFrom))).toEqual(new Set([counts[settledFrom]]));
}
