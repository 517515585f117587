/** Test setup: the cpu backend with the project's kernels, quiet. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { activateBackend } from '../kernels/backend';
import type { Formulation } from '../models/experts';

tf.env().set('IS_TEST', true);

export async function useCpu(): Promise<Formulation> {
  const f = await activateBackend('cpu');
  if (!f) throw new Error('cpu backend unavailable');
  return f;
}

/** Twins agree: the largest |Δ| (relative where the value's magnitude is above 1) stays below 1e-4. */
export function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  want.forEach((w, i) => (worst = Math.max(worst, Math.abs(got[i] - w) / Math.max(1, Math.abs(w)))));
  expect(worst, `${what}: largest |Δ| (relative above 1)`).toBeLessThan(1e-4);
}
