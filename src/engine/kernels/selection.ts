/**
 * AESM²'s per-instance expert selection as WGSL kernels: the KL ranking, both top-k choices, the masked own-gate
 * logits and the KL losses, which in tfjs ops are some 80 dispatches per layer (topk alone is a sort of several
 * passes), take two forward and two backward dispatches here.
 *
 * The twin is models/selection.ts's selectionDetail (the composed formulation); fused.test.ts compares them. Every
 * invocation recomputes the KL of its row's N experts (N·G exponentials): at these sizes the dispatch count, not the
 * arithmetic, is the cost.
 */
import * as tf from '@tensorflow/tfjs';
import type { SelectionRule } from '../models/selection';
import {
  flatProgram,
  ints,
  registerWebGpuKernels,
  runKernel,
  type Built,
  type FlatProgram,
  type KernelArgs,
  workgroupReduce,
} from './fused';

const KERNELS = {
  gate: 'MoeSelectionGate',
  gateGrad: 'MoeSelectionGateGrad',
  losses: 'MoeSelectionLosses',
  lossesGrad: 'MoeSelectionLossesGrad',
} as const;

/** Shapes and the rule, as kernel attributes: B samples, G gates, N experts. */
interface SelectionAttrs {
  b: number;
  g: number;
  n: number;
  kSp: number;
  kSh: number;
  multiplicative: boolean;
  noisy: boolean;
}

const UNIFORM_NAMES = ['b', 'g', 'n', 'kSp', 'kSh'];
const uniformsOf = (a: SelectionAttrs) => ints(a.b, a.g, a.n, a.kSp, a.kSh);
const inputsOf = (a: SelectionAttrs, rest: string[]) =>
  a.noisy ? ['a', 'own', 'noise', ...rest] : ['a', 'own', ...rest];
const keyOf = (name: string, a: SelectionAttrs) => `${name}_${a.multiplicative ? 'mul' : 'add'}_${a.noisy}`;

// f32(): a one-hot cast from int32 keeps its int32 buffer on webgpu (tfjs's Cast relabels it).
const OWN_GATE = `
    fn ownGate(b : i32) -> i32 {
      for (var g = 0; g < uniforms.g; g++) { if (f32(own[b * uniforms.g + g]) > 0.5) { return g; } }
      return 0;
    }`;

/**
 * WGSL over sample b: its own gate, the KL pair (KL_sp, KL_sh) of expert n from the noisy logits' log-softmax over
 * the gates (tf.logSoftmax's arithmetic), and whether n is among the k smallest of a KL (ties to the lower index,
 * as tf.topk of the negation).
 */
function helpers(a: SelectionAttrs): string {
  const noisy = a.noisy ? ' + noise[(b * uniforms.g + g) * uniforms.n + n]' : '';
  return `
    ${OWN_GATE}
    fn noisy(b : i32, g : i32, n : i32) -> f32 { return a[(b * uniforms.g + g) * uniforms.n + n]${noisy}; }
    fn gateMax(b : i32, n : i32) -> f32 {
      var m = -uniforms.INFINITY;
      for (var g = 0; g < uniforms.g; g++) { m = max(m, noisy(b, g, n)); }
      return m;
    }
    fn logSum(b : i32, n : i32, m : f32) -> f32 {
      var s = 0.0;
      for (var g = 0; g < uniforms.g; g++) { s = s + exp(noisy(b, g, n) - m); }
      return log(s);
    }
    fn kl(b : i32, n : i32, go : i32) -> vec2<f32> {
      let m = gateMax(b, n);
      let l = logSum(b, n, m);
      var total = 0.0;
      for (var g = 0; g < uniforms.g; g++) { total = total + ((noisy(b, g, n) - m) - l); }
      let G = f32(uniforms.g);
      return vec2<f32>(-((noisy(b, go, n) - m) - l), -(total / G) - log(G));
    }
    // (SP, SH) membership of expert n, 0 or 1 each.
    fn chosen(b : i32, n : i32, go : i32) -> vec2<f32> {
      let mine = kl(b, n, go);
      var below = vec2<i32>(0, 0);
      for (var j = 0; j < uniforms.n; j++) {
        let o = kl(b, j, go);
        if (o.x < mine.x || (o.x == mine.x && j < n)) { below.x = below.x + 1; }
        if (o.y < mine.y || (o.y == mine.y && j < n)) { below.y = below.y + 1; }
      }
      return vec2<f32>(select(0.0, 1.0, below.x < uniforms.kSp), select(0.0, 1.0, below.y < uniforms.kSh));
    }
    // What the own gate's logit is multiplied by (multiplicative masking) or added to (additive): −1e9 when
    // unselected, as models/selection.ts's maskUnselected.
    fn maskOf(c : vec2<f32>) -> f32 {
      let either = max(c.x, c.y);
      return ${a.multiplicative ? '(c.x + c.y) + (1.0 - either) * -1e9' : '(1.0 - either) * -1e9'};
    }`;
}

/** z[b, n]: the own gate's logit with the selection applied ([B, N], a softmax gives the routing weights). */
function gateForward(a: SelectionAttrs): Built {
  const body = `
    let n = index % uniforms.n;
    let b = index / uniforms.n;
    let go = ownGate(b);
    let logit = a[(b * uniforms.g + go) * uniforms.n + n];
    let m = maskOf(chosen(b, n, go));
    result[index] = ${a.multiplicative ? 'logit * m' : 'logit + m'};`;
  return {
    program: flatProgram(
      keyOf('moeSelGate', a),
      inputsOf(a, []),
      [a.b, a.n],
      UNIFORM_NAMES,
      body,
      helpers(a),
    ),
    uniforms: uniformsOf(a),
  };
}

/** dA[b, g, n] = dz[b, n] (× the multiplicative mask) on the own gate, 0 on the others. */
function gateGrad(a: SelectionAttrs): Built {
  const factor = a.multiplicative ? ' * maskOf(chosen(b, n, go))' : '';
  const body = `
    let n = index % uniforms.n;
    let g = (index / uniforms.n) % uniforms.g;
    let b = index / (uniforms.n * uniforms.g);
    let go = ownGate(b);
    result[index] = select(0.0, dy[b * uniforms.n + n]${factor}, g == go);`;
  return {
    program: flatProgram(
      keyOf('moeSelGateGrad', a),
      // Additive: the logits and noise are not read (WGSL would drop their bindings from the layout).
      a.multiplicative ? inputsOf(a, ['dy']) : ['own', 'dy'],
      [a.b, a.g, a.n],
      UNIFORM_NAMES,
      body,
      a.multiplicative ? helpers(a) : OWN_GATE,
    ),
    uniforms: uniformsOf(a),
  };
}

const LOSS_WORKGROUP = 256;

/**
 * [mean KL_sp over SP, mean KL_sh over SH] (Σ over the batch's selected pairs / (B k); 0 when k = 0): one workgroup
 * strides over the B·N pairs and reduces its partial sums in shared memory.
 */
function lossesForward(a: SelectionAttrs): Built {
  const program: FlatProgram = {
    variableNames: inputsOf(a, []),
    outputShape: [2],
    shaderKey: keyOf('moeSelLosses', a),
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [LOSS_WORKGROUP, 1, 1],
    size: true,
    uniforms: UNIFORM_NAMES.map((u) => `${u} : i32,`).join(' '),
    getUserCode: () => `
      ${helpers(a)}
      var<workgroup> partial : array<vec2<f32>, ${LOSS_WORKGROUP}>;
      fn main(index : i32) {
        var acc = vec2<f32>(0.0, 0.0);
        for (var i = i32(localId.x); i < uniforms.b * uniforms.n; i = i + ${LOSS_WORKGROUP}) {
          let n = i % uniforms.n;
          let b = i / uniforms.n;
          let go = ownGate(b);
          acc = acc + kl(b, n, go) * chosen(b, n, go);
        }
        partial[localId.x] = acc;
        ${workgroupReduce('partial', LOSS_WORKGROUP, '+')}
        if (localId.x == 0u) {
          let B = f32(uniforms.b);
          result[0] = select(0.0, partial[0].x / (B * f32(uniforms.kSp)), uniforms.kSp > 0);
          result[1] = select(0.0, partial[0].y / (B * f32(uniforms.kSh)), uniforms.kSh > 0);
        }
      }`,
  };
  return { program, uniforms: uniformsOf(a) };
}

/**
 * dA[b, g, n] = dL_sp / (B k_sp) · sp (P_g − own_g) + dL_sh / (B k_sh) · sh (P_g − 1/G), P the softmax over the
 * gates of the noisy logits: −log P_own and −mean log P differentiated (the choice itself is a constant).
 */
function lossesGrad(a: SelectionAttrs): Built {
  const body = `
    let n = index % uniforms.n;
    let g = (index / uniforms.n) % uniforms.g;
    let b = index / (uniforms.n * uniforms.g);
    let go = ownGate(b);
    let c = chosen(b, n, go);
    let m = gateMax(b, n);
    let p = exp(noisy(b, g, n) - m - logSum(b, n, m));
    let B = f32(uniforms.b);
    let dSp = select(0.0, dy[0] / (B * f32(uniforms.kSp)), uniforms.kSp > 0);
    let dSh = select(0.0, dy[1] / (B * f32(uniforms.kSh)), uniforms.kSh > 0);
    result[index] = dSp * c.x * (p - select(0.0, 1.0, g == go)) + dSh * c.y * (p - 1.0 / f32(uniforms.g));`;
  return {
    program: flatProgram(
      keyOf('moeSelLossesGrad', a),
      inputsOf(a, ['dy']),
      [a.b, a.g, a.n],
      UNIFORM_NAMES,
      body,
      helpers(a),
    ),
    uniforms: uniformsOf(a),
  };
}

const attrsOf = (x: Record<string, unknown>) => x as unknown as SelectionAttrs;

/** Registers the selection kernels when `backendName` is webgpu; idempotent. */
export function registerSelectionKernels(backendName: string): void {
  if (backendName !== 'webgpu' || tf.getKernel(KERNELS.gate, 'webgpu')) return;
  const order = ['a', 'own', 'noise'];
  registerWebGpuKernels([
    [KERNELS.gate, ({ attrs }: KernelArgs) => gateForward(attrsOf(attrs)), order],
    [KERNELS.gateGrad, ({ attrs }: KernelArgs) => gateGrad(attrsOf(attrs)), [...order, 'dy']],
    [KERNELS.losses, ({ attrs }: KernelArgs) => lossesForward(attrsOf(attrs)), order],
    [KERNELS.lossesGrad, ({ attrs }: KernelArgs) => lossesGrad(attrsOf(attrs)), [...order, 'dy']],
  ]);
}

/**
 * The fused formulation's expertSelection (models/experts.ts): gate logits A [B, G, N], the own gate one-hot
 * [B, G] and the ranking's noise [B, G, N] or null → the masked own-gate logits [B, N] and the two KL losses [2],
 * each a differentiable op of A (one forward and one backward dispatch).
 */
export function fusedExpertSelection(
  A: tf.Tensor3D,
  own: tf.Tensor2D,
  noise: tf.Tensor3D | null,
  rule: SelectionRule,
): { gate: tf.Tensor2D; losses: tf.Tensor1D } {
  const [b, g, n] = A.shape;
  const attrs: SelectionAttrs = {
    b,
    g,
    n,
    kSp: rule.kSp,
    kSh: rule.kSh,
    multiplicative: rule.masking === 'multiplicative',
    noisy: noise !== null,
  };
  const readsLogits = (kernel: string) => kernel !== KERNELS.gateGrad || attrs.multiplicative;
  // own and noise go through save(): tf.grad's forward is a tidy, and tensors it made (a task layer's one-hot, the
  // noise) are gone by the backward pass unless saved.
  const opOf = (forward: string, backward: string) =>
    tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save(noise ? [x, own, noise] : [x, own]);
      return {
        value: runKernel(forward, noise ? { a: x, own, noise } : { a: x, own }, attrs),
        gradFunc: (dy: tf.Tensor, [sx, so, sn]: tf.Tensor[]) =>
          runKernel(
            backward,
            !readsLogits(backward)
              ? { own: so, dy }
              : sn
                ? { a: sx, own: so, noise: sn, dy }
                : { a: sx, own: so, dy },
            attrs,
          ),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  return {
    gate: opOf(KERNELS.gate, KERNELS.gateGrad)(A) as tf.Tensor2D,
    losses: opOf(KERNELS.losses, KERNELS.lossesGrad)(A) as tf.Tensor1D,
  };
}
