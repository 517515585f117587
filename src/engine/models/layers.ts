/**
 * Building blocks shared by the models: parameters with PyTorch-style initialisation (the reference
 * numbers in shared/datasets were measured with it), dense layers, per-backend matMul formulations,
 * the feature input (one embedding table for all categorical fields + numeric columns), stacked MLPs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BuildContext, Mode } from './types';
import type { Rng } from '../util/rng';

/**
 * How layers are formulated on a backend, chosen by measurement (TFJS-NOTES):
 * - wasm's matMul is fast only for plain 2-D, non-transposed operands, so gradients transpose explicitly;
 * - on a GPU the dispatch count is the cost, so N parallel layers run as one batched matMul,
 *   while on CPU-like backends plain per-slice 2-D matMuls are faster than the batched kernel.
 */
export interface Formulation {
  explicitTransposeGrad: boolean;
  batchedStacks: boolean;
}

export function formulationFor(backend: string): Formulation {
  switch (backend) {
    case 'wasm':
      return { explicitTransposeGrad: true, batchedStacks: false };
    case 'webgpu':
      return { explicitTransposeGrad: false, batchedStacks: true };
    default:
      return { explicitTransposeGrad: false, batchedStacks: false };
  }
}

/** A 2-D matMul whose backward pass uses explicitly transposed, plain operands (fast on wasm). */
const matMulExplicitT = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  a: tf.Tensor2D,
  b: tf.Tensor2D,
) => tf.Tensor2D;

export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, f: Formulation): tf.Tensor2D {
  return f.explicitTransposeGrad ? matMulExplicitT(a, b) : tf.matMul(a, b);
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

export function dense(x: tf.Tensor2D, d: Dense, f: Formulation): tf.Tensor2D {
  return tf.add(matMul2d(x, d.w as tf.Tensor2D, f), d.b);
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
      h = dense(h, l, f);
      if (!(this.linearLast && i === this.layers.length - 1)) h = tf.relu(h);
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

/**
 * N parallel MLPs with identical layer sizes (experts, towers), stored stacked so that a GPU runs
 * each layer of all N as one dispatch. With `sharedInput` the first layer of all N reads the same
 * input and is a single [in, N·out] matMul on every backend.
 */
export class StackedMlp {
  private readonly first: Dense;
  private readonly rest: { w: tf.Variable; b: tf.Variable }[] = [];
  readonly outDim: number;

  constructor(
    p: Params,
    name: string,
    readonly n: number,
    inDim: number,
    private readonly sizes: number[],
    private readonly sharedInput: boolean,
    private readonly linearLast = false,
  ) {
    if (sizes.length === 0) throw new Error(`${name}: a stacked MLP needs at least one layer`);
    const h0 = sizes[0];
    this.first = sharedInput
      ? { w: p.uniform(`${name}.0.w`, [inDim, n * h0], inDim), b: p.uniform(`${name}.0.b`, [n * h0], inDim) }
      : {
          w: p.uniform(`${name}.0.w`, [n, inDim, h0], inDim),
          b: p.uniform(`${name}.0.b`, [n, 1, h0], inDim),
        };
    for (let i = 1; i < sizes.length; i++) {
      const fanIn = sizes[i - 1];
      this.rest.push({
        w: p.uniform(`${name}.${i}.w`, [n, fanIn, sizes[i]], fanIn),
        b: p.uniform(`${name}.${i}.b`, [n, 1, sizes[i]], fanIn),
      });
    }
    this.outDim = sizes[sizes.length - 1];
  }

  private act(h: tf.Tensor, i: number): tf.Tensor {
    return this.linearLast && i === this.sizes.length - 1 ? h : tf.relu(h);
  }

  /** x [B, in] shared by all N → [B, N, out]. Requires `sharedInput`. */
  forwardShared(x: tf.Tensor2D, f: Formulation): tf.Tensor3D {
    if (!this.sharedInput) throw new Error('forwardShared on a stack without a shared input');
    const B = x.shape[0];
    const h0 = this.act(tf.add(matMul2d(x, this.first.w as tf.Tensor2D, f), this.first.b), 0);
    if (this.rest.length === 0) return tf.reshape(h0, [B, this.n, this.sizes[0]]);
    // [B, N·h] → [N, B, h] for the per-member layers.
    const stacked = tf.transpose(tf.reshape(h0, [B, this.n, this.sizes[0]]), [1, 0, 2]) as tf.Tensor3D;
    return tf.transpose(this.forwardRest(stacked, f), [1, 0, 2]);
  }

  /** xs [N, B, in], one input per member → [N, B, out]. */
  forwardEach(xs: tf.Tensor3D, f: Formulation): tf.Tensor3D {
    if (this.sharedInput) throw new Error('forwardEach on a stack with a shared input');
    const h0 = this.act(
      this.stackedLayer(xs, this.first.w as tf.Tensor3D, this.first.b as tf.Tensor3D, f),
      0,
    ) as tf.Tensor3D;
    return this.forwardRest(h0, f);
  }

  private forwardRest(h: tf.Tensor3D, f: Formulation): tf.Tensor3D {
    let out = h;
    this.rest.forEach((l, i) => {
      out = this.act(this.stackedLayer(out, l.w as tf.Tensor3D, l.b as tf.Tensor3D, f), i + 1) as tf.Tensor3D;
    });
    return out;
  }

  /** [N, B, in] @ [N, in, out] + [N, 1, out], batched on a GPU, per member elsewhere. */
  private stackedLayer(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor3D, f: Formulation): tf.Tensor3D {
    if (f.batchedStacks || this.n === 1) {
      if (this.n === 1 && !f.batchedStacks) {
        const y = matMul2d(tf.squeeze(x, [0]) as tf.Tensor2D, tf.squeeze(w, [0]) as tf.Tensor2D, f);
        return tf.add(tf.expandDims(y, 0), b) as tf.Tensor3D;
      }
      return tf.add(tf.matMul(x, w), b) as tf.Tensor3D;
    }
    const xs = tf.unstack(x);
    const ws = tf.unstack(w);
    return tf.add(
      tf.stack(xs.map((xi, i) => matMul2d(xi as tf.Tensor2D, ws[i] as tf.Tensor2D, f))),
      b,
    ) as tf.Tensor3D;
  }
}

/** Picks each sample's row of a per-domain stack: values [B, D, ...] with one-hot [B, D] → [B, ...]. */
export function selectByDomain(values: tf.Tensor, domainOneHot: tf.Tensor2D): tf.Tensor {
  const extra = values.rank - 2;
  let w: tf.Tensor = domainOneHot;
  for (let i = 0; i < extra; i++) w = tf.expandDims(w, -1);
  return tf.sum(tf.mul(values, w), 1);
}

/** PyTorch BatchNorm1d defaults. */
const BN_MOMENTUM = 0.1;
const BN_EPS = 1e-5;

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
