/**
 * Fused WGSL kernels for the WebGPU backend, where every dispatch costs host time whatever its size (tfjs
 * bookkeeping, a bind group, a uniform buffer): a stacked dense layer (matMul + bias + activation of all N
 * members) in one dispatch and its backward in three, a softmax gate with its mixture (and a sparse gate's top-k)
 * in one and its backward in two, and Adam over one flat buffer in one (AESM²'s selection: kernels/selection.ts).
 *
 * Their twins in plain tfjs ops are the composed formulation in models/experts.ts (and PackedAdam in
 * train/adam.ts); fused.test.ts compares values and gradients of each pair. The kernels are written for clarity
 * (one output element per invocation): at these sizes the dispatch count, not the arithmetic, is the cost.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, GateSelection } from '../models/experts';
import { BN_EPS, BN_MOMENTUM, type BatchNorm } from '../models/layers';

/** The part of tfjs's WebGPUProgram these kernels fill in (see @tensorflow/tfjs-backend-webgpu webgpu_program). */
export interface FlatProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode(): string;
}

export type Uniform = { type: 'int32' | 'float32'; data: number[] };

export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: FlatProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: Uniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

const WORKGROUP = 64;

export type Built = { program: FlatProgram; uniforms: Uniform[] };

/** A program with one invocation per output element; `body` reads `index` and writes `result[index]`. */
export function flatProgram(
  key: string,
  inputs: string[],
  outputShape: number[],
  uniforms: string[],
  body: string,
  helpers = '',
): FlatProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames: inputs,
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms: uniforms.map((u) => `${u} : i32,`).join(' '),
    getUserCode: () => `
      ${helpers}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

export const ints = (...values: number[]): Uniform[] => values.map((v) => ({ type: 'int32', data: [v] }));

// ---- stacked dense: y[n, b, o] = act(Σ_i x[n, b, i] w[n, i, o] + bias[n, o]) ----

interface DenseAttrs {
  act: Activation;
  hasBias: boolean;
}

/** dz = dy ⊙ act'(z), read where the backward kernels need it (ReLU: z > 0 ⇔ y > 0). */
function dzAt(act: Activation, at: string): string {
  return act === 'relu' ? `select(0.0, dy[${at}], y[${at}] > 0.0)` : `dy[${at}]`;
}

function denseForward(
  x: tf.TensorInfo,
  w: tf.TensorInfo,
  a: DenseAttrs,
): { program: FlatProgram; uniforms: Uniform[] } {
  const [N, B, I] = x.shape;
  const O = w.shape[2];
  const activate = a.act === 'relu' ? 'acc = max(acc, 0.0);' : '';
  const bias = a.hasBias ? 'acc = acc + bias[n * uniforms.o + o];' : '';
  const body = `
    let o = index % uniforms.o;
    let nb = index / uniforms.o;
    let n = nb / uniforms.b;
    let xRow = nb * uniforms.i;
    let wCol = n * uniforms.i * uniforms.o + o;
    var acc = 0.0;
    for (var k = 0; k < uniforms.i; k++) {
      acc = acc + x[xRow + k] * w[wCol + k * uniforms.o];
    }
    ${bias}
    ${activate}
    result[index] = acc;`;
  const inputs = a.hasBias ? ['x', 'w', 'bias'] : ['x', 'w'];
  return {
    program: flatProgram(`moeDense_${a.act}_${a.hasBias}`, inputs, [N, B, O], ['b', 'i', 'o'], body),
    uniforms: ints(B, I, O),
  };
}

/** dx[n, b, i] = Σ_o dz[n, b, o] w[n, i, o]. */
function denseGradInput(
  dy: tf.TensorInfo,
  w: tf.TensorInfo,
  act: Activation,
): { program: FlatProgram; uniforms: Uniform[] } {
  const [N, B, O] = dy.shape;
  const I = w.shape[1];
  const body = `
    let i = index % uniforms.i;
    let nb = index / uniforms.i;
    let n = nb / uniforms.b;
    let dyRow = nb * uniforms.o;
    let wRow = (n * uniforms.i + i) * uniforms.o;
    var acc = 0.0;
    for (var o = 0; o < uniforms.o; o++) {
      acc = acc + ${dzAt(act, 'dyRow + o')} * w[wRow + o];
    }
    result[index] = acc;`;
  const inputs = act === 'relu' ? ['dy', 'y', 'w'] : ['dy', 'w'];
  return {
    program: flatProgram(`moeDenseGradX_${act}`, inputs, [N, B, I], ['b', 'i', 'o'], body),
    uniforms: ints(B, I, O),
  };
}

/** dw[n, i, o] = Σ_b x[n, b, i] dz[n, b, o]. */
function denseGradWeight(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  act: Activation,
): { program: FlatProgram; uniforms: Uniform[] } {
  const [N, B, I] = x.shape;
  const O = dy.shape[2];
  const body = `
    let o = index % uniforms.o;
    let ni = index / uniforms.o;
    let i = ni % uniforms.i;
    let n = ni / uniforms.i;
    var acc = 0.0;
    for (var b = 0; b < uniforms.b; b++) {
      let row = n * uniforms.b + b;
      acc = acc + x[row * uniforms.i + i] * ${dzAt(act, 'row * uniforms.o + o')};
    }
    result[index] = acc;`;
  const inputs = act === 'relu' ? ['x', 'dy', 'y'] : ['x', 'dy'];
  return {
    program: flatProgram(`moeDenseGradW_${act}`, inputs, [N, I, O], ['b', 'i', 'o'], body),
    uniforms: ints(B, I, O),
  };
}

/** db[n, o] = Σ_b dz[n, b, o]. */
function denseGradBias(dy: tf.TensorInfo, act: Activation): { program: FlatProgram; uniforms: Uniform[] } {
  const [N, B, O] = dy.shape;
  const body = `
    let o = index % uniforms.o;
    let n = index / uniforms.o;
    var acc = 0.0;
    for (var b = 0; b < uniforms.b; b++) {
      acc = acc + ${dzAt(act, '(n * uniforms.b + b) * uniforms.o + o')};
    }
    result[index] = acc;`;
  const inputs = act === 'relu' ? ['dy', 'y'] : ['dy'];
  return {
    program: flatProgram(`moeDenseGradB_${act}`, inputs, [N, O], ['b', 'o'], body),
    uniforms: ints(B, O),
  };
}

// ---- gate mixture: out[b, g, :] = Σ_e softmax_sel(z[b, g, :])[e] · X[b, g or 0, e, :] ----

type SelectionKind = 'all' | 'topk';

interface MixtureAttrs {
  kind: SelectionKind;
  k: number;
  /** The experts' shape, for the kernel computing their gradient (which does not read them). */
  expertsShape: number[];
}

/**
 * WGSL helpers over one gate row (`row` = its offset in z): whether expert e is selected, and its softmax weight
 * over the selected experts. Top-k ranks by value with ties to the lower index, as tf.topk does.
 */
function gateHelpers(kind: SelectionKind): string {
  const selected = {
    all: 'return true;',
    topk: `
      let v = z[row + e];
      var above = 0;
      for (var j = 0; j < uniforms.e; j++) {
        let u = z[row + j];
        if (u > v || (u == v && j < e)) { above = above + 1; }
      }
      return above < uniforms.k;`,
  }[kind];
  return `
    fn isSelected(row : i32, e : i32) -> bool { ${selected} }
    fn rowMax(row : i32) -> f32 {
      var m = -uniforms.INFINITY;
      for (var j = 0; j < uniforms.e; j++) {
        if (isSelected(row, j)) { m = max(m, z[row + j]); }
      }
      return m;
    }
    fn rowSum(row : i32, m : f32) -> f32 {
      var s = 0.0;
      for (var j = 0; j < uniforms.e; j++) {
        if (isSelected(row, j)) { s = s + exp(z[row + j] - m); }
      }
      return s;
    }
    fn weight(row : i32, e : i32, m : f32, s : f32) -> f32 {
      return select(0.0, exp(z[row + e] - m) / s, isSelected(row, e));
    }`;
}

/** Shape uniforms shared by the mixture kernels: G gates, Gx candidate sets (1 or G), E experts, H width, k. */
function mixtureDims(
  zShape: number[],
  expertsShape: number[],
  a: MixtureAttrs,
): { dims: number[]; uniforms: Uniform[] } {
  const [B, G, E] = zShape;
  const [, Gx, , H] = expertsShape;
  return { dims: [B, G, E, Gx, H], uniforms: ints(G, E, Gx, H, a.k) };
}

const MIXTURE_UNIFORMS = ['g', 'e', 'gx', 'h', 'k'];

/** Offset of candidate e's row for gate g of sample b in experts [B, Gx, E, H]. */
const EXPERT_ROW =
  'fn expertRow(b : i32, g : i32, e : i32) -> i32 { return ((b * uniforms.gx + select(g, 0, uniforms.gx == 1)) * uniforms.e + e) * uniforms.h; }';

function mixtureForward(
  z: tf.TensorInfo,
  experts: tf.TensorInfo,
  a: MixtureAttrs,
): { program: FlatProgram; uniforms: Uniform[] } {
  const { dims, uniforms } = mixtureDims(z.shape, experts.shape, a);
  const [B, G, , , H] = dims;
  const body = `
    let h = index % uniforms.h;
    let bg = index / uniforms.h;
    let g = bg % uniforms.g;
    let b = bg / uniforms.g;
    let row = bg * uniforms.e;
    let m = rowMax(row);
    let s = rowSum(row, m);
    var acc = 0.0;
    for (var e = 0; e < uniforms.e; e++) {
      acc = acc + weight(row, e, m, s) * experts[expertRow(b, g, e) + h];
    }
    result[index] = acc;`;
  return {
    program: flatProgram(
      `moeMix_${a.kind}`,
      ['z', 'experts'],
      [B, G, H],
      MIXTURE_UNIFORMS,
      body,
      gateHelpers(a.kind) + EXPERT_ROW,
    ),
    uniforms,
  };
}

/** dz[b, g, e] = w_e (dw_e − Σ_j w_j dw_j), dw_j = Σ_h dy[b, g, h] X[b, g, j, h]; unselected experts get 0. */
function mixtureGradLogits(
  z: tf.TensorInfo,
  experts: tf.TensorInfo,
  a: MixtureAttrs,
): { program: FlatProgram; uniforms: Uniform[] } {
  const { dims, uniforms } = mixtureDims(z.shape, experts.shape, a);
  const [B, G, E] = dims;
  const body = `
    let e = index % uniforms.e;
    let bg = index / uniforms.e;
    let g = bg % uniforms.g;
    let b = bg / uniforms.g;
    let row = bg * uniforms.e;
    let m = rowMax(row);
    let s = rowSum(row, m);
    var mean = 0.0;
    var own = 0.0;
    for (var j = 0; j < uniforms.e; j++) {
      let x = expertRow(b, g, j);
      var dw = 0.0;
      for (var h = 0; h < uniforms.h; h++) { dw = dw + dy[bg * uniforms.h + h] * experts[x + h]; }
      mean = mean + weight(row, j, m, s) * dw;
      if (j == e) { own = dw; }
    }
    result[index] = weight(row, e, m, s) * (own - mean);`;
  return {
    program: flatProgram(
      `moeMixGradZ_${a.kind}`,
      ['z', 'experts', 'dy'],
      [B, G, E],
      MIXTURE_UNIFORMS,
      body,
      gateHelpers(a.kind) + EXPERT_ROW,
    ),
    uniforms,
  };
}

/** dX[b, gx, e, h] = Σ_g w[b, g, e] dy[b, g, h] over the gates that read candidate set gx (all of them when Gx = 1). */
function mixtureGradExperts(
  z: tf.TensorInfo,
  expertsShape: number[],
  a: MixtureAttrs,
): { program: FlatProgram; uniforms: Uniform[] } {
  const { uniforms } = mixtureDims(z.shape, expertsShape, a);
  const body = `
    let h = index % uniforms.h;
    let e = (index / uniforms.h) % uniforms.e;
    let bx = index / (uniforms.h * uniforms.e);
    let gx = bx % uniforms.gx;
    let b = bx / uniforms.gx;
    var acc = 0.0;
    for (var g = 0; g < uniforms.g; g++) {
      if (uniforms.gx == 1 || g == gx) {
        let row = (b * uniforms.g + g) * uniforms.e;
        let m = rowMax(row);
        acc = acc + weight(row, e, m, rowSum(row, m)) * dy[(b * uniforms.g + g) * uniforms.h + h];
      }
    }
    result[index] = acc;`;
  return {
    program: flatProgram(
      `moeMixGradX_${a.kind}`,
      ['z', 'dy'],
      expertsShape,
      MIXTURE_UNIFORMS,
      body,
      gateHelpers(a.kind),
    ),
    uniforms,
  };
}

// ---- masked binary cross-entropy on logits: bce = (max(z, 0) − z·y + log(1 + e^−|z|)) · mask ----

function bceForward(z: tf.TensorInfo): Built {
  const body = `
    let v = z[index];
    result[index] = (max(v, 0.0) - v * labels[index] + log(1.0 + exp(-abs(v)))) * mask[index];`;
  return { program: flatProgram('moeBce', ['z', 'labels', 'mask'], z.shape, [], body), uniforms: [] };
}

/**
 * dz = dy · mask · (step(z) − y − sgn(z) · e / (1 + e)), e = e^−|z|: the composed ops' gradient term by term,
 * with tfjs's conventions at z = 0 (ReLU's step is 0 there, Abs's gradient −1).
 */
function bceGrad(z: tf.TensorInfo): Built {
  const body = `
    let v = z[index];
    let e = exp(-abs(v));
    let up = v > 0.0;
    result[index] = dy[index] * mask[index] * (select(0.0, 1.0, up) - labels[index] - select(-1.0, 1.0, up) * e / (1.0 + e));`;
  return {
    program: flatProgram('moeBceGrad', ['dy', 'z', 'labels', 'mask'], z.shape, [], body),
    uniforms: [],
  };
}

// ---- LayerNorm over the last axis, then act: y = act((x − μ) / √(σ² + ε) · γ + β) ----

/** nn.LayerNorm's ε (and tf.moments' biased variance), as the composed twin in models/experts.ts. */
export const LAYER_NORM_EPS = 1e-5;

/**
 * x seen as [a, c, h] (a rank-2 x is [1, b, h]); γ and β as [ga ? a : 1, gc ? c : 1, h]: each leading axis of γ
 * either follows x's or is broadcast.
 */
export interface LayerNormAttrs {
  act: Activation;
  a: number;
  c: number;
  h: number;
  ga: boolean;
  gc: boolean;
}

/** WGSL helpers: a row's mean and 1/√(σ² + ε) (two passes, as tf.moments), and γ's index for (i0, i1, k). */
const LAYER_NORM_HELPERS = `
  fn rowStats(start : i32) -> vec2<f32> {
    var mean = 0.0;
    for (var j = 0; j < uniforms.h; j++) { mean = mean + x[start + j]; }
    mean = mean / f32(uniforms.h);
    var v = 0.0;
    for (var j = 0; j < uniforms.h; j++) { let d = x[start + j] - mean; v = v + d * d; }
    return vec2<f32>(mean, inverseSqrt(v / f32(uniforms.h) + ${LAYER_NORM_EPS}));
  }
  fn gammaAt(i0 : i32, i1 : i32, k : i32) -> i32 {
    let c = select(1, uniforms.c, uniforms.gc == 1);
    return (select(0, i0, uniforms.ga == 1) * c + select(0, i1, uniforms.gc == 1)) * uniforms.h + k;
  }`;

const layerNormUniforms = (a: LayerNormAttrs) => ints(a.a, a.c, a.h, Number(a.ga), Number(a.gc));
const LAYER_NORM_UNIFORM_NAMES = ['a', 'c', 'h', 'ga', 'gc'];

function layerNormForward(a: LayerNormAttrs): Built {
  const activate = a.act === 'relu' ? 'y = max(y, 0.0);' : '';
  const body = `
    let k = index % uniforms.h;
    let row = index / uniforms.h;
    let stats = rowStats(row * uniforms.h);
    let g = gammaAt(row / uniforms.c, row % uniforms.c, k);
    var y = (x[index] - stats.x) * stats.y * gamma[g] + beta[g];
    ${activate}
    result[index] = y;`;
  return {
    program: flatProgram(
      `moeLayerNorm_${a.act}`,
      ['x', 'gamma', 'beta'],
      [a.a, a.c, a.h],
      LAYER_NORM_UNIFORM_NAMES,
      body,
      LAYER_NORM_HELPERS,
    ),
    uniforms: layerNormUniforms(a),
  };
}

/** dx = rstd · (g − mean_j g_j − x̂ · mean_j(g_j x̂_j)), g = dz ⊙ γ, over the row. */
function layerNormGradInput(a: LayerNormAttrs): Built {
  const body = `
    let k = index % uniforms.h;
    let row = index / uniforms.h;
    let i0 = row / uniforms.c;
    let i1 = row % uniforms.c;
    let start = row * uniforms.h;
    let stats = rowStats(start);
    var s1 = 0.0;
    var s2 = 0.0;
    for (var j = 0; j < uniforms.h; j++) {
      let gj = ${dzAt(a.act, 'start + j')} * gamma[gammaAt(i0, i1, j)];
      s1 = s1 + gj;
      s2 = s2 + gj * (x[start + j] - stats.x) * stats.y;
    }
    let n = f32(uniforms.h);
    let gk = ${dzAt(a.act, 'index')} * gamma[gammaAt(i0, i1, k)];
    result[index] = stats.y * (gk - s1 / n - (x[index] - stats.x) * stats.y * s2 / n);`;
  const inputs = a.act === 'relu' ? ['dy', 'y', 'x', 'gamma'] : ['dy', 'x', 'gamma'];
  return {
    program: flatProgram(
      `moeLayerNormGradX_${a.act}`,
      inputs,
      [a.a, a.c, a.h],
      LAYER_NORM_UNIFORM_NAMES,
      body,
      LAYER_NORM_HELPERS,
    ),
    uniforms: layerNormUniforms(a),
  };
}

/** dγ = Σ dz ⊙ x̂ (which 'gamma') or dβ = Σ dz ('beta'), over the rows that share each γ entry. */
function layerNormGradParam(a: LayerNormAttrs, which: 'gamma' | 'beta'): Built {
  const ga = a.ga ? a.a : 1;
  const gc = a.gc ? a.c : 1;
  const term =
    which === 'gamma'
      ? `let stats = rowStats(row * uniforms.h);
         acc = acc + ${dzAt(a.act, 'at')} * (x[at] - stats.x) * stats.y;`
      : `acc = acc + ${dzAt(a.act, 'at')};`;
  const body = `
    let k = index % uniforms.h;
    let j = index / uniforms.h;
    let gc = select(1, uniforms.c, uniforms.gc == 1);
    let j0 = j / gc;
    let j1 = j % gc;
    var acc = 0.0;
    for (var i0 = select(0, j0, uniforms.ga == 1); i0 < select(uniforms.a, j0 + 1, uniforms.ga == 1); i0++) {
      for (var i1 = select(0, j1, uniforms.gc == 1); i1 < select(uniforms.c, j1 + 1, uniforms.gc == 1); i1++) {
        let row = i0 * uniforms.c + i1;
        let at = row * uniforms.h + k;
        ${term}
      }
    }
    result[index] = acc;`;
  // dβ does not read x: WebGPU drops a binding the shader never reads, so x is then no input at all.
  const inputs = [...(a.act === 'relu' ? ['dy', 'y'] : ['dy']), ...(which === 'gamma' ? ['x'] : [])];
  return {
    program: flatProgram(
      `moeLayerNormGrad_${which}_${a.act}`,
      inputs,
      [ga, gc, a.h],
      LAYER_NORM_UNIFORM_NAMES,
      body,
      which === 'gamma' ? LAYER_NORM_HELPERS : '',
    ),
    uniforms: layerNormUniforms(a),
  };
}

// ---- BatchNorm in training over the batch axis b of x [a, b, c], then act ----

/** x seen as [a, b, c] with b the batch axis (a rank-2 x is [1, b, c]); γ and β as [ga ? a : 1, 1, c]. */
export interface BatchNormAttrs {
  act: Activation;
  a: number;
  b: number;
  c: number;
  ga: boolean;
}

const BATCH_NORM_UNIFORM_NAMES = ['a', 'b', 'c', 'ga'];
const batchNormUniforms = (a: BatchNormAttrs) => ints(a.a, a.b, a.c, Number(a.ga));

/**
 * WGSL helpers: column (i0, k)'s mean and 1/√(σ² + ε) from the statistics [2, a, c] (mean, biased variance), and
 * γ's index.
 */
const BATCH_NORM_HELPERS = `
  fn columnStats(i0 : i32, k : i32) -> vec2<f32> {
    let col = i0 * uniforms.c + k;
    return vec2<f32>(stats[col], inverseSqrt(stats[uniforms.a * uniforms.c + col] + ${BN_EPS}));
  }
  fn gammaAt(i0 : i32, k : i32) -> i32 { return select(0, i0, uniforms.ga == 1) * uniforms.c + k; }`;

/** [2, a, c]: each column's batch mean, then its biased batch variance (two passes, as tf.moments). */
function batchNormStats(a: BatchNormAttrs): Built {
  const body = `
    let col = index % (uniforms.a * uniforms.c);
    let start = (col / uniforms.c) * uniforms.b * uniforms.c + col % uniforms.c;
    var mean = 0.0;
    for (var j = 0; j < uniforms.b; j++) { mean = mean + x[start + j * uniforms.c]; }
    mean = mean / f32(uniforms.b);
    var v = 0.0;
    for (var j = 0; j < uniforms.b; j++) { let d = x[start + j * uniforms.c] - mean; v = v + d * d; }
    result[index] = select(mean, v / f32(uniforms.b), index >= uniforms.a * uniforms.c);`;
  return {
    program: flatProgram('moeBatchNormStats', ['x'], [2, a.a, a.c], BATCH_NORM_UNIFORM_NAMES, body),
    uniforms: batchNormUniforms(a),
  };
}

function batchNormForward(a: BatchNormAttrs): Built {
  const activate = a.act === 'relu' ? 'y = max(y, 0.0);' : '';
  const body = `
    let k = index % uniforms.c;
    let i0 = index / (uniforms.b * uniforms.c);
    let s = columnStats(i0, k);
    let g = gammaAt(i0, k);
    var y = (x[index] - s.x) * s.y * gamma[g] + beta[g];
    ${activate}
    result[index] = y;`;
  return {
    program: flatProgram(
      `moeBatchNorm_${a.act}`,
      ['x', 'stats', 'gamma', 'beta'],
      [a.a, a.b, a.c],
      BATCH_NORM_UNIFORM_NAMES,
      body,
      BATCH_NORM_HELPERS,
    ),
    uniforms: batchNormUniforms(a),
  };
}

/** A moving average after one step: (1 − momentum) · old + momentum · batch (the variance unbiased, n / (n − 1)). */
function batchNormMoving(a: BatchNormAttrs, which: 'mean' | 'variance'): Built {
  const offset = which === 'mean' ? '0' : 'uniforms.a * uniforms.c';
  const unbias = which === 'mean' ? '1.0' : 'f32(uniforms.b) / f32(max(1, uniforms.b - 1))';
  const body = `
    result[index] = moving[index] * ${1 - BN_MOMENTUM} + stats[${offset} + index] * ${BN_MOMENTUM} * ${unbias};`;
  return {
    program: flatProgram(
      `moeBatchNormMoving_${which}`,
      ['moving', 'stats'],
      [a.a * a.c],
      BATCH_NORM_UNIFORM_NAMES,
      body,
    ),
    uniforms: batchNormUniforms(a),
  };
}

/** [2, a, c]: Σ_b g and Σ_b g · x̂ per column, g = dz ⊙ γ (what dx needs). */
function batchNormGradSums(a: BatchNormAttrs): Built {
  const body = `
    let col = index % (uniforms.a * uniforms.c);
    let i0 = col / uniforms.c;
    let k = col % uniforms.c;
    let s = columnStats(i0, k);
    let gammaK = gamma[gammaAt(i0, k)];
    let second = index >= uniforms.a * uniforms.c;
    var acc = 0.0;
    for (var j = 0; j < uniforms.b; j++) {
      let at = (i0 * uniforms.b + j) * uniforms.c + k;
      let g = ${dzAt(a.act, 'at')} * gammaK;
      acc = acc + select(g, g * (x[at] - s.x) * s.y, second);
    }
    result[index] = acc;`;
  const inputs = a.act === 'relu' ? ['dy', 'y', 'x', 'stats', 'gamma'] : ['dy', 'x', 'stats', 'gamma'];
  return {
    program: flatProgram(
      `moeBatchNormGradSums_${a.act}`,
      inputs,
      [2, a.a, a.c],
      BATCH_NORM_UNIFORM_NAMES,
      body,
      BATCH_NORM_HELPERS,
    ),
    uniforms: batchNormUniforms(a),
  };
}

/** dx = rstd · (g − Σ_b g / n − x̂ · Σ_b g x̂ / n) over each column. */
function batchNormGradInput(a: BatchNormAttrs): Built {
  const body = `
    let k = index % uniforms.c;
    let i0 = index / (uniforms.b * uniforms.c);
    let col = i0 * uniforms.c + k;
    let s = columnStats(i0, k);
    let n = f32(uniforms.b);
    let g = ${dzAt(a.act, 'index')} * gamma[gammaAt(i0, k)];
    let xhat = (x[index] - s.x) * s.y;
    result[index] = s.y * (g - sums[col] / n - xhat * sums[uniforms.a * uniforms.c + col] / n);`;
  const inputs =
    a.act === 'relu' ? ['dy', 'y', 'x', 'stats', 'gamma', 'sums'] : ['dy', 'x', 'stats', 'gamma', 'sums'];
  return {
    program: flatProgram(
      `moeBatchNormGradX_${a.act}`,
      inputs,
      [a.a, a.b, a.c],
      BATCH_NORM_UNIFORM_NAMES,
      body,
      BATCH_NORM_HELPERS,
    ),
    uniforms: batchNormUniforms(a),
  };
}

/** dγ = Σ dz ⊙ x̂ ('gamma') or dβ = Σ dz ('beta') over the batch and, where γ is shared, over a. */
function batchNormGradParam(a: BatchNormAttrs, which: 'gamma' | 'beta'): Built {
  const term =
    which === 'gamma'
      ? `let s = columnStats(i0, k);
         acc = acc + ${dzAt(a.act, 'at')} * (x[at] - s.x) * s.y;`
      : `acc = acc + ${dzAt(a.act, 'at')};`;
  const body = `
    let k = index % uniforms.c;
    let j0 = index / uniforms.c;
    var acc = 0.0;
    for (var i0 = select(0, j0, uniforms.ga == 1); i0 < select(uniforms.a, j0 + 1, uniforms.ga == 1); i0++) {
      for (var j = 0; j < uniforms.b; j++) {
        let at = (i0 * uniforms.b + j) * uniforms.c + k;
        ${term}
      }
    }
    result[index] = acc;`;
  // dβ reads neither x nor the statistics: WebGPU drops a binding the shader never reads.
  const inputs = [...(a.act === 'relu' ? ['dy', 'y'] : ['dy']), ...(which === 'gamma' ? ['x', 'stats'] : [])];
  return {
    program: flatProgram(
      `moeBatchNormGrad_${which}_${a.act}`,
      inputs,
      [a.ga ? a.a : 1, 1, a.c],
      BATCH_NORM_UNIFORM_NAMES,
      body,
      which === 'gamma' ? BATCH_NORM_HELPERS : '',
    ),
    uniforms: batchNormUniforms(a),
  };
}

// ---- Adam over a flat state [params | m | v], updated in place ----

export interface AdamStep {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β1^t and 1 − β2^t of this step. */
  bc1: number;
  bc2: number;
}

/** PyTorch's Adam, as PackedAdam computes it: p −= (lr / bc1) · m / (√v / √bc2 + ε). */
function adamProgram(P: number): FlatProgram {
  const program = flatProgram(
    'moeAdam',
    ['grad'],
    [P],
    ['p'],
    `
    let g = grad[index];
    let m = uniforms.beta1 * result[uniforms.p + index] + (1.0 - uniforms.beta1) * g;
    let v = uniforms.beta2 * result[2 * uniforms.p + index] + (1.0 - uniforms.beta2) * g * g;
    result[uniforms.p + index] = m;
    result[2 * uniforms.p + index] = v;
    result[index] = result[index] - (m * uniforms.stepSize) / (sqrt(v) / uniforms.sqrtBc2 + uniforms.epsilon);`,
  );
  program.uniforms += ' beta1 : f32, beta2 : f32, stepSize : f32, sqrtBc2 : f32, epsilon : f32,';
  return program;
}

/** The parts of tfjs's WebGPU backend a buffer copy needs (fields of WebGPUBackend, not in its typings). */
export interface WebGpuCopyBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorMap: { get(dataId: object): { resource: GPUBuffer } };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: GPUCommandEncoder;
  /** Tensors the queued commands use: their buffers are released only after the queue is submitted. */
  commandQueueOwnedIds: WeakSet<object>;
}

/**
 * New tensors holding consecutive regions of a flat float32 tensor, each made by a buffer copy in the command
 * encoder instead of a slice program: no dispatch, no bind group and no uniforms (Adam's hand-back of each
 * variable's new values was one slice dispatch per variable).
 */
export function copyRegions(flat: tf.Tensor1D, regions: { offset: number; shape: number[] }[]): tf.Tensor[] {
  const backend = tf.backend() as unknown as WebGpuCopyBackend;
  backend.uploadToGPU(flat.dataId);
  const source = backend.tensorMap.get(flat.dataId).resource;
  backend.commandQueueOwnedIds.add(flat.dataId);
  // Copies are recorded outside a compute pass; acquiring the outputs' buffers below opens none.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  return regions.map(({ offset, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset < 0 || offset + size > flat.size)
      throw new Error(`copyRegions: [${offset}, ${offset + size}) is outside the ${flat.size} values`);
    const out = backend.makeTensorInfo(shape, 'float32');
    backend.uploadToGPU(out.dataId);
    backend.commandEncoder.copyBufferToBuffer(
      source,
      offset * 4,
      backend.tensorMap.get(out.dataId).resource,
      0,
      size * 4,
    );
    backend.commandQueueOwnedIds.add(out.dataId);
    return tf.engine().makeTensorFromTensorInfo(out);
  });
}

/**
 * One Adam step for every parameter: `state` [3P] holds the parameters, then m, then v, and is rewritten in place
 * by a single dispatch (the program's output is the state itself, so no copy and no second buffer).
 */
export function adamStepInPlace(state: tf.Tensor1D, grad: tf.Tensor1D, s: AdamStep): void {
  const P = grad.size;
  if (state.size !== 3 * P) throw new Error(`fused Adam: the state holds ${state.size} values, not 3 × ${P}`);
  const uniforms: Uniform[] = [
    ...ints(P),
    ...[s.beta1, s.beta2, s.learningRate / s.bc1, Math.sqrt(s.bc2), s.epsilon].map((v): Uniform => ({
      type: 'float32',
      data: [v],
    })),
  ];
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  // The program's size is P (one invocation per parameter); its output binding is the whole 3P state.
  backend.runWebGPUProgram(adamProgram(P), [grad], 'float32', uniforms, state);
}

/**
 * WGSL that folds `shared[0 .. size)` into `shared[0]` with `op` ('+', '|'), halving each round; every invocation of
 * the workgroup must reach it, after writing its own entry.
 */
export function workgroupReduce(shared: string, size: number, op: string): string {
  return `
        workgroupBarrier();
        for (var half = ${size / 2}u; half > 0u; half = half / 2u) {
          if (localId.x < half) { ${shared}[localId.x] = ${shared}[localId.x] ${op} ${shared}[localId.x + half]; }
          workgroupBarrier();
        }`;
}

// ---- finiteness probe: 0 when every value of a flat buffer is finite, NaN otherwise ----

const PROBE_WORKGROUP = 256;

/**
 * One workgroup strides over the whole buffer and ORs a per-thread "some value was NaN or ±Infinity" flag
 * (tested on the exponent bits: a compiler may fold x != x away), then reduces the flags in shared memory.
 */
function probeProgram(): FlatProgram {
  return {
    variableNames: ['x'],
    outputShape: [1],
    shaderKey: 'moeFiniteProbe',
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [PROBE_WORKGROUP, 1, 1],
    size: true,
    uniforms: 'n : i32,',
    getUserCode: () => `
      var<workgroup> flags : array<u32, ${PROBE_WORKGROUP}>;
      fn main(index : i32) {
        var bad = 0u;
        for (var k = i32(localId.x); k < uniforms.n; k = k + ${PROBE_WORKGROUP}) {
          if ((bitcast<u32>(x[k]) & 0x7f800000u) == 0x7f800000u) { bad = 1u; }
        }
        flags[localId.x] = bad;
        ${workgroupReduce('flags', PROBE_WORKGROUP, '|')}
        if (localId.x == 0u) { result[0] = select(0.0, uniforms.NAN, flags[0] != 0u); }
      }`,
  };
}

/**
 * A scalar that is 0 when every value of `x` is finite and NaN otherwise, in one dispatch: the twin of
 * PackedAdam's Σ (x · 0), which the trainer reads back with the loss.
 */
export function finitenessProbe(x: tf.Tensor): tf.Scalar {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const out = backend.runWebGPUProgram(probeProgram(), [x], 'float32', ints(x.size));
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Scalar;
}

// ---- registration and the differentiable ops ----

const KERNELS = {
  dense: 'MoeStackedDense',
  denseGradX: 'MoeStackedDenseGradInput',
  denseGradW: 'MoeStackedDenseGradWeight',
  denseGradB: 'MoeStackedDenseGradBias',
  mix: 'MoeGateMixture',
  mixGradZ: 'MoeGateMixtureGradLogits',
  mixGradX: 'MoeGateMixtureGradExperts',
  bce: 'MoeMaskedBce',
  bceGrad: 'MoeMaskedBceGrad',
  layerNorm: 'MoeLayerNorm',
  layerNormGradX: 'MoeLayerNormGradInput',
  layerNormGradGamma: 'MoeLayerNormGradGamma',
  layerNormGradBeta: 'MoeLayerNormGradBeta',
  batchNormStats: 'MoeBatchNormStats',
  batchNorm: 'MoeBatchNorm',
  batchNormMovingMean: 'MoeBatchNormMovingMean',
  batchNormMovingVariance: 'MoeBatchNormMovingVariance',
  batchNormGradSums: 'MoeBatchNormGradSums',
  batchNormGradX: 'MoeBatchNormGradInput',
  batchNormGradGamma: 'MoeBatchNormGradGamma',
  batchNormGradBeta: 'MoeBatchNormGradBeta',
} as const;

export type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs: Record<string, unknown>;
};

function run(build: (args: KernelArgs) => Built, order: string[]) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { program, uniforms } = build(args);
    const inputs = order.filter((n) => args.inputs[n] !== undefined).map((n) => args.inputs[n]);
    return (args.backend as WebGpuBackendLike).runWebGPUProgram(program, inputs, 'float32', uniforms);
  };
}

const denseAttrs = (a: Record<string, unknown>) => a as unknown as DenseAttrs;
const mixAttrs = (a: Record<string, unknown>) => a as unknown as MixtureAttrs;
const normAttrs = (a: Record<string, unknown>) => a as unknown as LayerNormAttrs;
const bnAttrs = (a: Record<string, unknown>) => a as unknown as BatchNormAttrs;

/** Registers the fused kernels when `backendName` is webgpu; idempotent. */
export function registerFusedKernels(backendName: string): void {
  if (backendName !== 'webgpu' || tf.getKernel(KERNELS.dense, 'webgpu')) return;
  const kernels: [string, (args: KernelArgs) => Built, string[]][] = [
    [
      KERNELS.dense,
      ({ inputs, attrs }) => denseForward(inputs.x, inputs.w, denseAttrs(attrs)),
      ['x', 'w', 'bias'],
    ],
    [
      KERNELS.denseGradX,
      ({ inputs, attrs }) => denseGradInput(inputs.dy, inputs.w, denseAttrs(attrs).act),
      ['dy', 'y', 'w'],
    ],
    [
      KERNELS.denseGradW,
      ({ inputs, attrs }) => denseGradWeight(inputs.x, inputs.dy, denseAttrs(attrs).act),
      ['x', 'dy', 'y'],
    ],
    [KERNELS.denseGradB, ({ inputs, attrs }) => denseGradBias(inputs.dy, denseAttrs(attrs).act), ['dy', 'y']],
    [
      KERNELS.mix,
      ({ inputs, attrs }) => mixtureForward(inputs.z, inputs.experts, mixAttrs(attrs)),
      ['z', 'experts'],
    ],
    [
      KERNELS.mixGradZ,
      ({ inputs, attrs }) => mixtureGradLogits(inputs.z, inputs.experts, mixAttrs(attrs)),
      ['z', 'experts', 'dy'],
    ],
    [
      KERNELS.mixGradX,
      ({ inputs, attrs }) => mixtureGradExperts(inputs.z, mixAttrs(attrs).expertsShape, mixAttrs(attrs)),
      ['z', 'dy'],
    ],
    [KERNELS.bce, ({ inputs }) => bceForward(inputs.z), ['z', 'labels', 'mask']],
    [KERNELS.bceGrad, ({ inputs }) => bceGrad(inputs.z), ['dy', 'z', 'labels', 'mask']],
    [KERNELS.layerNorm, ({ attrs }) => layerNormForward(normAttrs(attrs)), ['x', 'gamma', 'beta']],
    [KERNELS.layerNormGradX, ({ attrs }) => layerNormGradInput(normAttrs(attrs)), ['dy', 'y', 'x', 'gamma']],
    [
      KERNELS.layerNormGradGamma,
      ({ attrs }) => layerNormGradParam(normAttrs(attrs), 'gamma'),
      ['dy', 'y', 'x'],
    ],
    [KERNELS.layerNormGradBeta, ({ attrs }) => layerNormGradParam(normAttrs(attrs), 'beta'), ['dy', 'y']],
    [KERNELS.batchNormStats, ({ attrs }) => batchNormStats(bnAttrs(attrs)), ['x']],
    [KERNELS.batchNorm, ({ attrs }) => batchNormForward(bnAttrs(attrs)), ['x', 'stats', 'gamma', 'beta']],
    [
      KERNELS.batchNormMovingMean,
      ({ attrs }) => batchNormMoving(bnAttrs(attrs), 'mean'),
      ['moving', 'stats'],
    ],
    [
      KERNELS.batchNormMovingVariance,
      ({ attrs }) => batchNormMoving(bnAttrs(attrs), 'variance'),
      ['moving', 'stats'],
    ],
    [
      KERNELS.batchNormGradSums,
      ({ attrs }) => batchNormGradSums(bnAttrs(attrs)),
      ['dy', 'y', 'x', 'stats', 'gamma'],
    ],
    [
      KERNELS.batchNormGradX,
      ({ attrs }) => batchNormGradInput(bnAttrs(attrs)),
      ['dy', 'y', 'x', 'stats', 'gamma', 'sums'],
    ],
    [
      KERNELS.batchNormGradGamma,
      ({ attrs }) => batchNormGradParam(bnAttrs(attrs), 'gamma'),
      ['dy', 'y', 'x', 'stats'],
    ],
    [KERNELS.batchNormGradBeta, ({ attrs }) => batchNormGradParam(bnAttrs(attrs), 'beta'), ['dy', 'y']],
  ];
  registerWebGpuKernels(kernels);
}

/** Registers built programs as webgpu kernels; `order` lists the inputs as the program's variableNames. */
export function registerWebGpuKernels(kernels: [string, (args: KernelArgs) => Built, string[]][]): void {
  for (const [kernelName, build, order] of kernels) {
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: run(build, order) as unknown as tf.KernelFunc,
    });
  }
}

export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * act(x w + b) for N stacked layers in one dispatch: x [N, B, in], w [N, in, out], b [N, 1, out] or null.
 * Backward: dx, dw and db, one dispatch each (act' fused into each).
 */
export function fusedStackedDense(
  x: tf.Tensor3D,
  w: tf.Tensor3D,
  b: tf.Tensor3D | null,
  act: Activation,
): tf.Tensor3D {
  const attrs: DenseAttrs = { act, hasBias: b !== null };
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, wi, bi] = args.slice(0, -1) as tf.Tensor[];
    const y = runKernel(
      KERNELS.dense,
      bi ? { x: xi, w: wi, bias: bi } : { x: xi, w: wi },
      attrs,
    ) as tf.Tensor3D;
    save([xi, wi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved;
        const withY: Record<string, tf.Tensor> = act === 'relu' ? { y: sy } : {};
        const grads = [
          runKernel(KERNELS.denseGradX, { dy, w: sw, ...withY }, attrs),
          runKernel(KERNELS.denseGradW, { x: sx, dy, ...withY }, attrs),
        ];
        if (bi) grads.push(tf.reshape(runKernel(KERNELS.denseGradB, { dy, ...withY }, attrs), bi.shape));
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor3D;
  return b ? op(x, w, b) : op(x, w);
}

/**
 * Softmax gates and their mixture in one dispatch: logits [B, G, E], experts [B, Gx, E, H] (Gx = 1: shared by all
 * gates) → [B, G, H]. Top-k is chosen inside the kernel (no gradient through the choice).
 * Backward: the logits' and the experts' gradients, one dispatch each.
 */
export function fusedGateMixture(
  logits: tf.Tensor3D,
  experts: tf.Tensor4D,
  selection?: GateSelection,
): tf.Tensor3D {
  const expertsShape = experts.shape;
  const attrs: MixtureAttrs = selection
    ? { kind: 'topk', k: selection.topK, expertsShape }
    : { kind: 'all', k: 0, expertsShape };
  const op = tf.customGrad(((z: tf.Tensor, x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z, x]);
    return {
      value: runKernel(KERNELS.mix, { z, experts: x }, attrs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sz, sx] = saved;
        return [
          runKernel(KERNELS.mixGradZ, { z: sz, experts: sx, dy }, attrs),
          runKernel(KERNELS.mixGradX, { z: sz, dy }, attrs),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    z: tf.Tensor,
    x: tf.Tensor,
  ) => tf.Tensor3D;
  return op(logits, experts);
}

/** Per-sample BCE on logits, 0 where the label is missing ([B, T]), in one dispatch; its gradient in one. */
export function fusedMaskedBce(logits: tf.Tensor2D, labels: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z]);
    return {
      value: runKernel(KERNELS.bce, { z, labels, mask }, {}),
      gradFunc: (dy: tf.Tensor, [sz]: tf.Tensor[]) =>
        runKernel(KERNELS.bceGrad, { dy, z: sz, labels, mask }, {}),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor) => tf.Tensor2D;
  return op(logits);
}

/**
 * LayerNorm over the last axis then act, in one dispatch: x [rows, h] or [a, c, h]; γ and β of one shape, [h] or
 * rank 3 with each leading axis x's or 1. Backward: dx, dγ and dβ, one dispatch each (act' fused into each).
 */
export function fusedLayerNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  act: Activation,
): T {
  if (x.rank < 2 || x.rank > 3 || gamma.rank > 3)
    throw new Error(
      `fused LayerNorm takes x of rank 2 or 3 and γ of rank ≤ 3 (got ${x.shape} and ${gamma.shape})`,
    );
  const [a, c, h] = x.rank === 2 ? [1, ...x.shape] : x.shape;
  const g = [...new Array<number>(3 - gamma.rank).fill(1), ...gamma.shape];
  const follows = (dim: number, of: number) => dim === of || dim === 1;
  if (g[2] !== h || !follows(g[0], a) || !follows(g[1], c) || beta.shape.join() !== gamma.shape.join())
    throw new Error(
      `fused LayerNorm: γ ${gamma.shape} and β ${beta.shape} do not broadcast over x ${x.shape}`,
    );
  const attrs: LayerNormAttrs = { act, a, c, h, ga: g[0] === a && a > 1, gc: g[1] === c && c > 1 };
  const op = tf.customGrad(((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.reshape(runKernel(KERNELS.layerNorm, { x: xi, gamma: gi, beta: bi }, attrs), xi.shape);
    save([xi, gi, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sg, sy]: tf.Tensor[]) => {
        const withY: Record<string, tf.Tensor> = act === 'relu' ? { y: sy } : {};
        return [
          tf.reshape(runKernel(KERNELS.layerNormGradX, { dy, x: sx, gamma: sg, ...withY }, attrs), sx.shape),
          tf.reshape(runKernel(KERNELS.layerNormGradGamma, { dy, x: sx, ...withY }, attrs), sg.shape),
          tf.reshape(runKernel(KERNELS.layerNormGradBeta, { dy, ...withY }, attrs), sg.shape),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    x: tf.Tensor,
    g: tf.Tensor,
    b: tf.Tensor,
  ) => T;
  return op(x, gamma, beta);
}

/**
 * BatchNorm in training then act: batch statistics over `axis` (0 of x [b, c], or 1 of x [a, b, c]) in one
 * dispatch, the normalisation in one, and the moving averages' update (PyTorch's momentum, unbiased variance) in
 * one each. Backward: the per-column sums in one, then dx, dγ and dβ in one each.
 */
export function fusedBatchNormTrain<T extends tf.Tensor>(
  x: T,
  bn: BatchNorm,
  axis: number,
  act: Activation,
): T {
  if (!((x.rank === 2 && axis === 0) || (x.rank === 3 && axis === 1)))
    throw new Error(
      `fused BatchNorm takes x [b, c] over axis 0 or [a, b, c] over axis 1 (got ${x.shape}, ${axis})`,
    );
  const [a, b, c] = x.rank === 2 ? [1, ...x.shape] : x.shape;
  const g = [...new Array<number>(3 - bn.gamma.rank).fill(1), ...bn.gamma.shape];
  if (g[2] !== c || g[1] !== 1 || (g[0] !== a && g[0] !== 1) || bn.mean.size !== a * c)
    throw new Error(
      `fused BatchNorm: γ ${bn.gamma.shape} or statistics ${bn.mean.shape} do not fit x ${x.shape}`,
    );
  const attrs: BatchNormAttrs = { act, a, b, c, ga: g[0] === a && a > 1 };
  const stats = runKernel(KERNELS.batchNormStats, { x }, attrs);
  for (const [moving, kernel] of [
    [bn.mean, KERNELS.batchNormMovingMean],
    [bn.variance, KERNELS.batchNormMovingVariance],
  ] as const) {
    const updated = runKernel(kernel, { moving, stats }, attrs);
    moving.assign(tf.reshape(updated, moving.shape));
    updated.dispose();
  }
  const op = tf.customGrad(((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.reshape(
      runKernel(KERNELS.batchNorm, { x: xi, stats, gamma: gi, beta: bi }, attrs),
      xi.shape,
    );
    save([xi, gi, y, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sg, sy, ss]: tf.Tensor[]) => {
        const withY: Record<string, tf.Tensor> = act === 'relu' ? { y: sy } : {};
        const sums = runKernel(
          KERNELS.batchNormGradSums,
          { dy, x: sx, stats: ss, gamma: sg, ...withY },
          attrs,
        );
        return [
          tf.reshape(
            runKernel(KERNELS.batchNormGradX, { dy, x: sx, stats: ss, gamma: sg, sums, ...withY }, attrs),
            sx.shape,
          ),
          tf.reshape(
            runKernel(KERNELS.batchNormGradGamma, { dy, x: sx, stats: ss, ...withY }, attrs),
            sg.shape,
          ),
          tf.reshape(runKernel(KERNELS.batchNormGradBeta, { dy, ...withY }, attrs), sg.shape),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    x: tf.Tensor,
    g: tf.Tensor,
    b: tf.Tensor,
  ) => T;
  return op(x, bn.gamma, bn.beta);
}
