/**
 * Tensors joined end to end by buffer copies in the command encoder instead of concat programs: tfjs's WebGPU
 * concat binds at most (storage-buffer limit − 1) inputs per program, so a model's gradients (tens of variables)
 * took one concat dispatch per seven of them plus the joins. A copy is no dispatch, bind group or uniform buffer.
 * The inverse of copyRegions (kernels/fused.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGpuCopyBackend } from './fused';

/** The float32 tensors' values one after another, as a new flat tensor [Σ size] (WebGPU only). */
export function concatByCopies(parts: tf.Tensor[]): tf.Tensor1D {
  const bad = parts.find((t) => t.dtype !== 'float32');
  if (bad) throw new Error(`concatByCopies joins float32 tensors (got ${bad.dtype} ${bad.shape})`);
  const backend = tf.backend() as unknown as WebGpuCopyBackend;
  const total = parts.reduce((n, t) => n + t.size, 0);
  const out = backend.makeTensorInfo([total], 'float32');
  backend.uploadToGPU(out.dataId);
  const target = backend.tensorMap.get(out.dataId).resource;
  for (const t of parts) backend.uploadToGPU(t.dataId);
  // Copies are recorded outside a compute pass.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  let offset = 0;
  for (const t of parts) {
    if (t.size > 0)
      backend.commandEncoder.copyBufferToBuffer(
        backend.tensorMap.get(t.dataId).resource,
        0,
        target,
        offset * 4,
        t.size * 4,
      );
    // The sources' buffers are released only after the queue that reads them is submitted.
    backend.commandQueueOwnedIds.add(t.dataId);
    offset += t.size;
  }
  backend.commandQueueOwnedIds.add(out.dataId);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor1D;
}
