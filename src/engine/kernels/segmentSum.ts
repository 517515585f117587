/**
 * Linear-time UnsortedSegmentSum for the cpu and wasm backends.
 *
 * It is the gradient of GatherV2, i.e. of every embedding lookup. tfjs's cpu kernel loops over
 * segments × inputs (28.7 s for one embedding gradient at vocab 8,000) and wasm has none at all
 * (tfjs issue 8082), so without this embeddings cannot train on either. One pass over the rows instead.
 */
import * as tf from '@tensorflow/tfjs';

interface SegmentSumArgs {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  attrs: { numSegments: number };
}

function accumulate(
  x: Float32Array,
  ids: Int32Array,
  numSegments: number,
  inner: number,
  out: Float32Array,
): void {
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    // Negative or out-of-range ids are dropped, as in TensorFlow.
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

function outShape(
  x: tf.TensorInfo,
  segmentIds: tf.TensorInfo,
  numSegments: number,
): { shape: number[]; inner: number } {
  const innerShape = x.shape.slice(segmentIds.shape.length);
  return { shape: [numSegments, ...innerShape], inner: innerShape.reduce((a, b) => a * b, 1) };
}

interface CpuBackendLike {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function toFloat32(v: unknown): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function toInt32(v: unknown): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
}

const cpuKernel = (args: unknown): tf.TensorInfo => {
  const { inputs, attrs } = args as SegmentSumArgs;
  const backend = (args as { backend: CpuBackendLike }).backend;
  const { x, segmentIds } = inputs;
  const { shape, inner } = outShape(x, segmentIds, attrs.numSegments);
  const out = new Float32Array(attrs.numSegments * inner);
  accumulate(
    toFloat32(backend.data.get(x.dataId).values),
    toInt32(backend.data.get(segmentIds.dataId).values),
    attrs.numSegments,
    inner,
    out,
  );
  return backend.makeTensorInfo(shape, 'float32', out);
};

const wasmKernel = (args: unknown): tf.TensorInfo => {
  const { inputs, attrs } = args as SegmentSumArgs;
  const backend = (args as { backend: WasmBackendLike }).backend;
  const { x, segmentIds } = inputs;
  const { shape, inner } = outShape(x, segmentIds, attrs.numSegments);
  const out = backend.makeOutput(shape, 'float32');
  const outValues = backend.typedArrayFromHeap(out) as Float32Array;
  // The heap is not zeroed by malloc; and views must be re-taken after an allocation may grow it.
  outValues.fill(0);
  const xValues = toFloat32(backend.typedArrayFromHeap(x));
  const ids = toInt32(backend.typedArrayFromHeap(segmentIds));
  accumulate(xValues, ids, attrs.numSegments, inner, outValues);
  return out;
};

const KERNELS: Record<string, (args: unknown) => tf.TensorInfo> = { cpu: cpuKernel, wasm: wasmKernel };

/** Registers the linear kernel for `backendName` if we have one for it; idempotent. */
export function registerSegmentSum(backendName: string): void {
  const kernelFunc = KERNELS[backendName];
  if (!kernelFunc) return;
  const existing = tf.getKernel('UnsortedSegmentSum', backendName);
  if (existing?.kernelFunc === (kernelFunc as unknown)) return;
  if (existing) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: kernelFunc as tf.KernelFunc,
  });
}
