/**
 * M3oE's two-level fusion (models/m3oe.ts) as one WebGPU dispatch, its backward in two: the softmax mixture of the
 * shared experts per (domain, task) gate, each domain expert's own-vs-others view weighted σ(β_D), each task
 * expert's likewise with σ(β_T), and their sum weighted σ(α_D), σ(α_T); written in the towers' layout [D·T, B, H].
 * As composed tfjs ops it was three slices, the mixture, two views of eight ops, six combining ops and a transpose,
 * each with its gradient: about sixty dispatches a step.
 *
 * The twin in plain tfjs ops (the composed formulation, models/experts.ts) is composedM3oeFusion below;
 * m3oeFusion.test.ts compares the two.
 */
import * as tf from '@tensorflow/tfjs';
import type { Formulation } from '../models/experts';
import {
  copyRegions,
  flatProgram,
  ints,
  type Built,
  type FlatProgram,
  type WebGpuBackendLike,
  workgroupReduce,
} from './fused';

/** The four raw structure weights (scalars); the fusion reads them through σ. */
export interface M3oeStructure {
  alphaD: tf.Tensor;
  alphaT: tf.Tensor;
  betaD: tf.Tensor;
  betaT: tf.Tensor;
}

/** How the stacked experts divide: shared 0..E−1, domain E..E+D−1, task E+D..E+D+T−1. */
export interface M3oeCounts {
  experts: number;
  domains: number;
  tasks: number;
}

/** Level-1 fusion of one view: own member weighted σ(β), the others share 1 − σ(β) (nothing to share when n = 1). */
function view(members: tf.Tensor3D, beta: tf.Tensor, n: number): tf.Tensor3D {
  const own = tf.sigmoid(beta);
  const kept = tf.mul(members, own);
  if (n === 1) return kept as tf.Tensor3D;
  const others = tf.sub(tf.sum(members, 1, true), members);
  return tf.add(kept, tf.mul(others, tf.div(tf.sub(1, own), n - 1))) as tf.Tensor3D;
}

/**
 * The twin in plain tfjs ops: experts [B, E+D+T, H] and gate logits [B, D·T, E] (gate d·T + t) →
 * s_dt + σ(α_D) dom_d + σ(α_T) tsk_t as [D·T, B, H].
 */
export function composedM3oeFusion(
  f: Pick<Formulation, 'mixture'>,
  experts: tf.Tensor3D,
  logits: tf.Tensor3D,
  s: M3oeStructure,
  c: M3oeCounts,
): tf.Tensor3D {
  const [B, , H] = experts.shape;
  const { experts: E, domains: D, tasks: T } = c;
  const shared = tf.slice(experts, [0, 0, 0], [-1, E, -1]) as tf.Tensor3D;
  const domain = tf.slice(experts, [0, E, 0], [-1, D, -1]) as tf.Tensor3D;
  const task = tf.slice(experts, [0, E + D, 0], [-1, T, -1]) as tf.Tensor3D;
  const mixed = tf.reshape(f.mixture(logits, shared), [B, D, T, H]);
  const fused = tf.add(
    tf.add(mixed, tf.mul(tf.expandDims(view(domain, s.betaD, D), 2), tf.sigmoid(s.alphaD))),
    tf.mul(tf.expandDims(view(task, s.betaT, T), 1), tf.sigmoid(s.alphaT)),
  );
  return tf.transpose(tf.reshape(fused, [B, D * T, H]), [1, 0, 2]) as tf.Tensor3D;
}

const UNIFORMS = ['nb', 'nn', 'nh', 'ne', 'nd', 'nt'];

/**
 * WGSL helpers over experts [B, N, H]; the structure weights are one-value inputs. viewOf: a view's value for member
 * `own` of the n starting at `start`, weighted σ(β) = `weight`.
 */
const VIEW_HELPERS = `
  fn sig(v : f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }
  fn expertAt(b : i32, n : i32, h : i32) -> i32 { return (b * uniforms.nn + n) * uniforms.nh + h; }
  fn gates() -> i32 { return uniforms.nd * uniforms.nt; }
  fn viewOf(b : i32, h : i32, start : i32, n : i32, own : i32, weight : f32) -> f32 {
    let m = experts[expertAt(b, start + own, h)];
    if (n == 1) { return m * weight; }
    var total = 0.0;
    for (var j = 0; j < n; j++) { total = total + experts[expertAt(b, start + j, h)]; }
    return m * weight + (total - m) * ((1.0 - weight) / f32(n - 1));
  }`;

/** The softmax weight of shared expert e in gate g of sample b, over logits [B, D·T, E]. */
const GATE_HELPERS = `
  fn gateWeight(b : i32, g : i32, e : i32) -> f32 {
    let row = (b * gates() + g) * uniforms.ne;
    var m = -uniforms.INFINITY;
    for (var j = 0; j < uniforms.ne; j++) { m = max(m, logits[row + j]); }
    var s = 0.0;
    for (var j = 0; j < uniforms.ne; j++) { s = s + exp(logits[row + j] - m); }
    return exp(logits[row + e] - m) / s;
  }`;

/**
 * The views' backward over dy [D·T, B, H]: GD(b, j, h) = Σ_t dy[(j, t), b, h], GT(b, k, h) = Σ_d dy[(d, k), b, h],
 * and a member's gradient from its own G and the view's total.
 */
const GRAD_HELPERS = `
  fn dyAt(g : i32, b : i32, h : i32) -> f32 { return dy[(g * uniforms.nb + b) * uniforms.nh + h]; }
  fn domainGrad(b : i32, j : i32, h : i32) -> f32 {
    var acc = 0.0;
    for (var t = 0; t < uniforms.nt; t++) { acc = acc + dyAt(j * uniforms.nt + t, b, h); }
    return acc;
  }
  fn taskGrad(b : i32, k : i32, h : i32) -> f32 {
    var acc = 0.0;
    for (var d = 0; d < uniforms.nd; d++) { acc = acc + dyAt(d * uniforms.nt + k, b, h); }
    return acc;
  }
  fn viewGrad(own : f32, mine : f32, total : f32, n : i32) -> f32 {
    if (n == 1) { return own * mine; }
    return own * mine + (total - mine) * ((1.0 - own) / f32(n - 1));
  }`;

/** Dims as uniforms: B, N = E + D + T, H, E, D, T. */
function dimsOf(expertsShape: number[], c: M3oeCounts): number[] {
  const [B, N, H] = expertsShape;
  return [B, N, H, c.experts, c.domains, c.tasks];
}

const STRUCTURE = ['alphaD', 'alphaT', 'betaD', 'betaT'];

/** out[g, b, h] = Σ_e w[b, g, e] X[b, e, h] + σ(α_D) dom[b, d, h] + σ(α_T) tsk[b, t, h], g = d·T + t. */
function forwardProgram(expertsShape: number[], c: M3oeCounts): Built {
  const dims = dimsOf(expertsShape, c);
  const [B, , H] = dims;
  const body = `
    let h = index % uniforms.nh;
    let gb = index / uniforms.nh;
    let b = gb % uniforms.nb;
    let g = gb / uniforms.nb;
    var mixed = 0.0;
    for (var e = 0; e < uniforms.ne; e++) { mixed = mixed + gateWeight(b, g, e) * experts[expertAt(b, e, h)]; }
    let dom = viewOf(b, h, uniforms.ne, uniforms.nd, g / uniforms.nt, sig(betaD[0]));
    let tsk = viewOf(b, h, uniforms.ne + uniforms.nd, uniforms.nt, g % uniforms.nt, sig(betaT[0]));
    result[index] = mixed + dom * sig(alphaD[0]) + tsk * sig(alphaT[0]);`;
  return {
    program: flatProgram(
      'moeM3oeFusion',
      ['experts', 'logits', ...STRUCTURE],
      [c.domains * c.tasks, B, H],
      UNIFORMS,
      body,
      VIEW_HELPERS + GATE_HELPERS,
    ),
    uniforms: ints(...dims),
  };
}

/**
 * The experts' and the logits' gradients in one dispatch, one flat output [B·N·H | B·G·E]: for a shared expert
 * Σ_g w dy; for domain j σ(α_D)·(σ(β_D) GD_j + (1 − σ(β_D))/(D − 1) Σ_{d≠j} GD_d), tasks likewise; the logits'
 * dz = w_e (dw_e − Σ_j w_j dw_j), dw_j = Σ_h dy[g, b, h] X[b, j, h] (the softmax mixture's gradient).
 */
function gradInputsProgram(expertsShape: number[], c: M3oeCounts): Built {
  const dims = dimsOf(expertsShape, c);
  const [B, N, H, E] = dims;
  const G = c.domains * c.tasks;
  const body = `
    let expertsSize = uniforms.nb * uniforms.nn * uniforms.nh;
    if (index < expertsSize) {
      let h = index % uniforms.nh;
      let bn = index / uniforms.nh;
      let n = bn % uniforms.nn;
      let b = bn / uniforms.nn;
      var acc = 0.0;
      if (n < uniforms.ne) {
        for (var g = 0; g < gates(); g++) { acc = acc + gateWeight(b, g, n) * dyAt(g, b, h); }
      } else if (n < uniforms.ne + uniforms.nd) {
        var total = 0.0;
        for (var d = 0; d < uniforms.nd; d++) { total = total + domainGrad(b, d, h); }
        acc = sig(alphaD[0]) * viewGrad(sig(betaD[0]), domainGrad(b, n - uniforms.ne, h), total, uniforms.nd);
      } else {
        var total = 0.0;
        for (var t = 0; t < uniforms.nt; t++) { total = total + taskGrad(b, t, h); }
        let k = n - uniforms.ne - uniforms.nd;
        acc = sig(alphaT[0]) * viewGrad(sig(betaT[0]), taskGrad(b, k, h), total, uniforms.nt);
      }
      result[index] = acc;
    } else {
      let i = index - expertsSize;
      let e = i % uniforms.ne;
      let bg = i / uniforms.ne;
      let g = bg % gates();
      let b = bg / gates();
      var mean = 0.0;
      var own = 0.0;
      for (var j = 0; j < uniforms.ne; j++) {
        var dw = 0.0;
        for (var h = 0; h < uniforms.nh; h++) { dw = dw + dyAt(g, b, h) * experts[expertAt(b, j, h)]; }
        mean = mean + gateWeight(b, g, j) * dw;
        if (j == e) { own = dw; }
      }
      result[index] = gateWeight(b, g, e) * (own - mean);
    }`;
  return {
    program: flatProgram(
      'moeM3oeFusionGradInputs',
      ['experts', 'logits', 'dy', ...STRUCTURE],
      [B * N * H + B * G * E],
      UNIFORMS,
      body,
      VIEW_HELPERS + GATE_HELPERS + GRAD_HELPERS,
    ),
    uniforms: ints(...dims),
  };
}

const REDUCE_WORKGROUP = 256;

/**
 * The four structure weights' gradients, one workgroup each, its threads striding over dy and reducing in shared
 * memory: dα_D = σ'(α_D) Σ dy·dom, dα_T likewise; dβ_D = σ'(β_D) σ(α_D) Σ dy·(m_d − (S − m_d)/(D − 1)) (m_d the
 * own member, S the sum; m_d alone when D = 1), dβ_T likewise.
 */
function gradStructureProgram(expertsShape: number[], c: M3oeCounts): Built {
  const dims = dimsOf(expertsShape, c);
  const program: FlatProgram = {
    variableNames: ['experts', 'dy', ...STRUCTURE],
    outputShape: [4],
    shaderKey: 'moeM3oeFusionGradStructure',
    dispatchLayout: { x: [0] },
    dispatch: [4, 1, 1],
    workgroupSize: [REDUCE_WORKGROUP, 1, 1],
    size: true,
    uniforms: UNIFORMS.map((u) => `${u} : i32,`).join(' '),
    getUserCode: () => `
      ${VIEW_HELPERS}
      var<workgroup> partial : array<f32, ${REDUCE_WORKGROUP}>;
      /** d(view)/dσ(β) of member own among n starting at start. */
      fn viewSlope(b : i32, h : i32, start : i32, n : i32, own : i32) -> f32 {
        let m = experts[expertAt(b, start + own, h)];
        if (n == 1) { return m; }
        var total = 0.0;
        for (var j = 0; j < n; j++) { total = total + experts[expertAt(b, start + j, h)]; }
        return m - (total - m) / f32(n - 1);
      }
      fn main(index : i32) {
        let which = i32(workgroupId.x);
        let count = gates() * uniforms.nb * uniforms.nh;
        var acc = 0.0;
        for (var k = i32(localId.x); k < count; k = k + ${REDUCE_WORKGROUP}) {
          let h = k % uniforms.nh;
          let gb = k / uniforms.nh;
          let b = gb % uniforms.nb;
          let g = gb / uniforms.nb;
          let d = g / uniforms.nt;
          let t = g % uniforms.nt;
          let starts = vec2<i32>(uniforms.ne, uniforms.ne + uniforms.nd);
          var v = 0.0;
          if (which == 0) { v = viewOf(b, h, starts.x, uniforms.nd, d, sig(betaD[0])); }
          else if (which == 1) { v = viewOf(b, h, starts.y, uniforms.nt, t, sig(betaT[0])); }
          else if (which == 2) { v = viewSlope(b, h, starts.x, uniforms.nd, d); }
          else { v = viewSlope(b, h, starts.y, uniforms.nt, t); }
          acc = acc + dy[k] * v;
        }
        partial[localId.x] = acc;
        ${workgroupReduce('partial', REDUCE_WORKGROUP, '+')}
        if (localId.x == 0u) {
          var raws = vec4<f32>(alphaD[0], alphaT[0], betaD[0], betaT[0]);
          let s = sig(raws[which]);
          var scale = array<f32, 4>(1.0, 1.0, sig(alphaD[0]), sig(alphaT[0]));
          result[which] = partial[0] * s * (1.0 - s) * scale[which];
        }
      }`,
  };
  return { program, uniforms: ints(...dims) };
}

function runProgram({ program, uniforms }: Built, inputs: tf.Tensor[]): tf.Tensor {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(program, inputs, 'float32', uniforms));
}

/** The fused formulation's M3oE fusion (WebGPU): one dispatch forward, two backward (see the file's header). */
export function fusedM3oeFusion(
  experts: tf.Tensor3D,
  logits: tf.Tensor3D,
  s: M3oeStructure,
  c: M3oeCounts,
): tf.Tensor3D {
  const [B, N] = experts.shape;
  const G = c.domains * c.tasks;
  if (N !== c.experts + c.domains + c.tasks || logits.shape.join() !== [B, G, c.experts].join())
    throw new Error(
      `M3oE fusion: experts ${experts.shape} and logits ${logits.shape} do not fit ${c.experts} shared, ${c.domains} domain and ${c.tasks} task experts`,
    );
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    const [x, z, ...structure] = inputs;
    save(inputs);
    return {
      value: runProgram(forwardProgram(experts.shape, c), inputs) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sz, ...ss] = saved;
        const flat = runProgram(gradInputsProgram(experts.shape, c), [sx, sz, dy, ...ss]) as tf.Tensor1D;
        const structureGrads = runProgram(gradStructureProgram(experts.shape, c), [
          sx,
          dy,
          ...ss,
        ]) as tf.Tensor1D;
        // Split by buffer copies: no slice dispatches.
        const [dx, dz] = copyRegions(flat, [
          { offset: 0, shape: x.shape },
          { offset: x.size, shape: z.shape },
        ]);
        const ds = copyRegions(
          structureGrads,
          structure.map((t, i) => ({ offset: i, shape: t.shape })),
        );
        flat.dispose();
        structureGrads.dispose();
        return [dx, dz, ...ds];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor3D;
  return op(experts, logits, s.alphaD, s.alphaT, s.betaD, s.betaT);
}
