/**
 * Fused WGSL kernels for the WebGPU backend, where every dispatch costs host time whatever its size (tfjs
 * bookkeeping, a bind group, a uniform buffer): a stacked dense layer (matMul + bias + activation of all N
 * members) in one dispatch and its backward in three, a softmax gate with its mixture (and a sparse gate's top-k
 * or selection mask) in one and its backward in two, and Adam over one flat buffer in one.
 *
 * Their twins in plain tfjs ops are the composed formulation in models/experts.ts (and PackedAdam in
 * train/adam.ts); fused.test.ts compares values and gradients of each pair. The kernels are written for clarity
 * (one output element per invocation): at these sizes the dispatch count, not the arithmetic, is the cost.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, GateSelection } from '../models/experts';

/** The part of tfjs's WebGPUProgram these kernels fill in (see @tensorflow/tfjs-backend-webgpu webgpu_program). */
interface FlatProgram {
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

type Uniform = { type: 'int32' | 'float32'; data: number[] };

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: FlatProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: Uniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

const WORKGROUP = 64;

type Built = { program: FlatProgram; uniforms: Uniform[] };

/** A program with one invocation per output element; `body` reads `index` and writes `result[index]`. */
function flatProgram(
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

const ints = (...values: number[]): Uniform[] => values.map((v) => ({ type: 'int32', data: [v] }));

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

type SelectionKind = 'all' | 'topk' | 'mask';

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
    mask: 'return mask[row + e] > 0.5;',
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

function gateInputs(kind: SelectionKind, rest: string[]): string[] {
  return kind === 'mask' ? ['z', 'mask', ...rest] : ['z', ...rest];
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
      gateInputs(a.kind, ['experts']),
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
      gateInputs(a.kind, ['experts', 'dy']),
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
      gateInputs(a.kind, ['dy']),
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
        workgroupBarrier();
        for (var half = ${PROBE_WORKGROUP / 2}u; half > 0u; half = half / 2u) {
          if (localId.x < half) { flags[localId.x] = flags[localId.x] | flags[localId.x + half]; }
          workgroupBarrier();
        }
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
} as const;

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

function run(build: (args: KernelArgs) => Built, order: string[]) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { program, uniforms } = build(args);
    const inputs = order.filter((n) => args.inputs[n] !== undefined).map((n) => args.inputs[n]);
    return (args.backend as WebGpuBackendLike).runWebGPUProgram(program, inputs, 'float32', uniforms);
  };
}

const denseAttrs = (a: Record<string, unknown>) => a as unknown as DenseAttrs;
const mixAttrs = (a: Record<string, unknown>) => a as unknown as MixtureAttrs;

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
      ['z', 'mask', 'experts'],
    ],
    [
      KERNELS.mixGradZ,
      ({ inputs, attrs }) => mixtureGradLogits(inputs.z, inputs.experts, mixAttrs(attrs)),
      ['z', 'mask', 'experts', 'dy'],
    ],
    [
      KERNELS.mixGradX,
      ({ inputs, attrs }) => mixtureGradExperts(inputs.z, mixAttrs(attrs).expertsShape, mixAttrs(attrs)),
      ['z', 'mask', 'dy'],
    ],
    [KERNELS.bce, ({ inputs }) => bceForward(inputs.z), ['z', 'labels', 'mask']],
    [KERNELS.bceGrad, ({ inputs }) => bceGrad(inputs.z), ['dy', 'z', 'labels', 'mask']],
  ];
  for (const [kernelName, build, order] of kernels) {
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: run(build, order) as unknown as tf.KernelFunc,
    });
  }
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
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
 * gates) → [B, G, H]. Top-k is chosen inside the kernel; a mask is a constant (no gradient through the choice).
 * Backward: the logits' and the experts' gradients, one dispatch each.
 */
export function fusedGateMixture(
  logits: tf.Tensor3D,
  experts: tf.Tensor4D,
  selection?: GateSelection,
): tf.Tensor3D {
  const expertsShape = experts.shape;
  const attrs: MixtureAttrs = !selection
    ? { kind: 'all', k: 0, expertsShape }
    : 'topK' in selection
      ? { kind: 'topk', k: selection.topK, expertsShape }
      : { kind: 'mask', k: 0, expertsShape };
  const mask: Record<string, tf.Tensor> = selection && 'mask' in selection ? { mask: selection.mask } : {};
  const op = tf.customGrad(((z: tf.Tensor, x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z, x]);
    return {
      value: runKernel(KERNELS.mix, { z, experts: x, ...mask }, attrs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sz, sx] = saved;
        return [
          runKernel(KERNELS.mixGradZ, { z: sz, experts: sx, dy, ...mask }, attrs),
          runKernel(KERNELS.mixGradX, { z: sz, dy, ...mask }, attrs),
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
