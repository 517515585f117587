import * as tf from '@tensorflow/tfjs';
import { formulationFor, type Formulation } from '../models/layers';
import { registerSegmentSum } from './segmentSum';

/**
 * Switches tfjs to `name` and installs the project's kernels for it. Returns null when the backend
 * could not start: tf.setBackend can resolve without switching (no WebGPU adapter), so check getBackend.
 */
export async function activateBackend(name: string): Promise<Formulation | null> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) return null;
  registerSegmentSum(name);
  return formulationFor(name);
}
