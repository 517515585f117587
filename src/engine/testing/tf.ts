/** Test setup: the cpu backend with the project's kernels, quiet. */
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../kernels/backend';
import type { Formulation } from '../models/experts';

tf.env().set('IS_TEST', true);

export async function useCpu(): Promise<Formulation> {
  const f = await activateBackend('cpu');
  if (!f) throw new Error('cpu backend unavailable');
  return f;
}
