import * as tf from '@tensorflow/tfjs';
import { formulationFor, type Formulation } from '../models/experts';
import { registerFusedKernels } from './fused';
import { registerRowGather } from './gather';
import { registerSegmentSum } from './segmentSum';
import { registerSelectionKernels } from './selection';

/**
 * Switches tfjs to `name` and installs the project's kernels for it. Returns null when the backend
 * could not start: tf.setBackend can resolve without switching (no WebGPU adapter), so check getBackend.
 */
export async function activateBackend(name: string): Promise<Formulation | null> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) return null;
  registerSegmentSum(name);
  registerRowGather(name);
  registerFusedKernels(name);
  registerSelectionKernels(name);
  return formulationFor(name);
}

/** Kernels training needs (forward and gradients) whatever the model; a backend without one cannot train. */
const REQUIRED_KERNELS = [
  'GatherV2',
  'UnsortedSegmentSum',
  'BatchMatMul',
  'Softmax',
  'Sigmoid',
  'Relu',
  'Concat',
  'Slice',
  'Transpose',
  'Sum',
  'Multiply',
  'Add',
  'Sub',
  'RealDiv',
  'Exp',
  'Log1p',
  'Abs',
  'Maximum',
  'OneHot',
  'Tile',
  'Pack',
  'Unpack',
  'Sqrt',
];

/** Names of required kernels `backend` has not registered (after the project's own were added). */
export function missingKernels(backend: string): string[] {
  return REQUIRED_KERNELS.filter((k) => tf.getKernel(k, backend) === undefined);
}
