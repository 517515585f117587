/**
 * Building blocks shared by the models: parameters with PyTorch-style initialisation (the reference
 * numbers in shared/datasets were measured with it), dense layers (in the backend's formulation, experts.ts),
 * the feature input (one embedding table for all categorical fields + numeric columns), normalisation, dropout.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, Formulation } from './experts';
import type { Batch, BuildContext, Mode } from './types';
import type { Rng } from '../util/rng';

/** A plain 2-D matMul in the backend's formulation. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, f: Formulation): tf.Tensor2D {
  return f.matMul(a, b);
}

/** Named variables of one model; names are the export keys, unique per model (not per tfjs engine). */
export class Params {
  private readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  add(name: string, shape: number[], values: Float32Array, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter "${name}" defined twice`);
    const initial = tf.tensor(values, shape, 'float32');
    const v = tf.variable(initial, trainable);
    // The variable holds its own reference to the data: the initial tensor would otherwise stay counted forever.
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** PyTorch's nn.Linear default: U(−1/√fan_in, 1/√fan_in) for weights and biases alike. */
  uniform(name: string, shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    return this.add(name, shape, this.rng.fillUniform(new Float32Array(size(shape)), -bound, bound));
  }

  /** An embedding table initialised as the run's settings say (train.embeddingInit, train.embeddingInitScale). */
  embedding(
    name: string,
    shape: number[],
    ctx: Pick<BuildContext, 'embeddingInit' | 'embeddingInitScale'>,
  ): tf.Variable {
    const s = ctx.embeddingInitScale;
    const values = new Float32Array(size(shape));
    return this.add(
      name,
      shape,
      ctx.embeddingInit === 'uniform' ? this.rng.fillUniform(values, -s, s) : this.rng.fillNormal(values, s),
    );
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.add(name, shape, new Float32Array(size(shape)).fill(value), trainable);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter "${name}"`);
    return v;
  }

  entries(): [string, tf.Variable][] {
    return [...this.vars.entries()];
  }

  trainable(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

export function denseParams(p: Params, name: string, inDim: number, outDim: number): Dense {
  return { w: p.uniform(`${name}.w`, [inDim, outDim], inDim), b: p.uniform(`${name}.b`, [outDim], inDim) };
}

export function dense(x: tf.Tensor2D, d: Dense, f: Formulation, act: Activation = 'linear'): tf.Tensor2D {
  return f.dense(x, d.w as tf.Tensor2D, d.b, act);
}

/** An MLP of ReLU layers (`relu` on the last layer too unless `linearLast`). */
export class Mlp {
  readonly layers: Dense[];
  readonly outDim: number;

  constructor(
    p: Params,
    name: string,
    inDim: number,
    sizes: number[],
    private readonly linearLast = false,
  ) {
    this.layers = [];
    let d = inDim;
    sizes.forEach((s, i) => {
      this.layers.push(denseParams(p, `${name}.${i}`, d, s));
      d = s;
    });
    this.outDim = d;
  }

  forward(x: tf.Tensor2D, f: Formulation): tf.Tensor2D {
    let h = x;
    this.layers.forEach((l, i) => {
      h = dense(h, l, f, this.linearLast && i === this.layers.length - 1 ? 'linear' : 'relu');
    });
    return h;
  }
}

/**
 * The model input: every categorical field looked up in one shared embedding table (fields have disjoint id
 * ranges), flattened, then the numeric columns, then (with `domainInput`) the domain id embedded as one more field,
 * as the official M3oE code feeds it (its last sparse feature). Width F = numCat · dim + numNum (+ dim).
 */
export class FeatureInput {
  readonly table: tf.Variable;
  private readonly domainTable: tf.Variable | null;
  readonly width: number;
  private readonly numCat: number;
  private readonly dim: number;

  constructor(p: Params, ctx: BuildContext) {
    const { shape, embeddingDim: dim } = ctx;
    this.numCat = shape.numCat;
    this.dim = dim;
    this.table = p.embedding('embedding', [Math.max(shape.vocabSize, 1), dim], ctx);
    // The domain is a one-hot matMul, not a gather: its gradient needs no segment sum, and D is small.
    this.domainTable = ctx.domainInput ? p.embedding('domainEmbedding', [shape.numDomains, dim], ctx) : null;
    this.width = shape.numCat * dim + shape.numNum + (this.domainTable ? dim : 0);
  }

  forward(batch: Batch, f: Formulation): tf.Tensor2D {
    const B = batch.domain.shape[0];
    const parts: tf.Tensor2D[] = [];
    if (this.numCat > 0)
      parts.push(tf.reshape(tf.gather(this.table, batch.cat), [B, this.numCat * this.dim]) as tf.Tensor2D);
    if (batch.num.shape[1] > 0) parts.push(batch.num);
    if (this.domainTable) parts.push(matMul2d(batch.domainOneHot, this.domainTable as tf.Tensor2D, f));
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
  }
}

/** Picks each sample's row of a per-domain stack: values [B, D, ...] with one-hot [B, D] → [B, ...]. */
export function selectByDomain(values: tf.Tensor, domainOneHot: tf.Tensor2D): tf.Tensor {
  const extra = values.rank - 2;
  let w: tf.Tensor = domainOneHot;
  for (let i = 0; i < extra; i++) w = tf.expandDims(w, -1);
  return tf.sum(tf.mul(values, w), 1);
}

/** PyTorch BatchNorm1d defaults (kernels/fused.ts's BatchNorm uses them too). */
export const BN_MOMENTUM = 0.1;
export const BN_EPS = 1e-5;

export interface BatchNorm {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

export function batchNormParams(
  p: Params,
  name: string,
  paramShape: number[],
  statShape = paramShape,
): BatchNorm {
  return {
    gamma: p.constant(`${name}.gamma`, paramShape, 1),
    beta: p.constant(`${name}.beta`, paramShape, 0),
    mean: p.constant(`${name}.movingMean`, statShape, 0, false),
    variance: p.constant(`${name}.movingVar`, statShape, 1, false),
  };
}

/** Batch statistics over `axis` in training (moving averages updated as a side effect: momentum 0.1, unbiased variance), moving averages in evaluation. */
export function batchNorm(z: tf.Tensor, bn: BatchNorm, axis: number, mode: Mode): tf.Tensor {
  let mean: tf.Tensor = bn.mean;
  let variance: tf.Tensor = bn.variance;
  if (mode === 'train') {
    const m = tf.moments(z, axis, true);
    mean = m.mean;
    variance = m.variance;
    const n = z.shape[axis];
    bn.mean.assign(
      tf.add(tf.mul(bn.mean, 1 - BN_MOMENTUM), tf.mul(tf.reshape(mean, bn.mean.shape), BN_MOMENTUM)),
    );
    bn.variance.assign(
      tf.add(
        tf.mul(bn.variance, 1 - BN_MOMENTUM),
        tf.mul(tf.reshape(variance, bn.variance.shape), (BN_MOMENTUM * n) / Math.max(1, n - 1)),
      ),
    );
  }
  return tf.add(tf.mul(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, BN_EPS))), bn.gamma), bn.beta);
}

/** Inverted dropout, its mask drawn from the project PRNG on the CPU (training only). */
export function dropout(x: tf.Tensor, rate: number, mode: Mode, rng: Rng): tf.Tensor {
  if (mode !== 'train' || rate <= 0) return x;
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
}
