/**
 * Row gather (GatherV2 on axis 0, the embedding lookup) for the cpu and wasm backends.
 *
 * Both built-in kernels take ~40–60 ms to look up 1024 × 32 ids in a [526, 16] table (census, one
 * batch) because they compute every output element's source through generic strided indexing; copying
 * whole rows takes well under a millisecond. Other axes fall through to the original kernel.
 */
import * as tf from '@tensorflow/tfjs';

interface GatherArgs {
  inputs: { x: tf.TensorInfo; indices: tf.TensorInfo };
  attrs: { axis: number; batchDims: number };
  backend: unknown;
}

type Values = Float32Array | Int32Array;

/** How each backend exposes tensor memory: read a tensor's values, make an output to fill. */
interface MemoryAccess {
  read(backend: unknown, t: tf.TensorInfo): Values;
  output(backend: unknown, shape: number[], dtype: tf.DataType): { info: tf.TensorInfo; values: Values };
}

const CPU: MemoryAccess = {
  read: (b, t) => (b as { data: { get(id: object): { values: Values } } }).data.get(t.dataId).values,
  output: (b, shape, dtype) => {
    const size = shape.reduce((a, c) => a * c, 1);
    const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    const info = (
      b as { makeTensorInfo(s: number[], d: tf.DataType, v: Values): tf.TensorInfo }
    ).makeTensorInfo(shape, dtype, values);
    return { info, values };
  },
};

const WASM: MemoryAccess = {
  read: (b, t) => (b as { typedArrayFromHeap(t: tf.TensorInfo): Values }).typedArrayFromHeap(t),
  output: (b, shape, dtype) => {
    const wasm = b as {
      makeOutput(s: number[], d: tf.DataType): tf.TensorInfo;
      typedArrayFromHeap(t: tf.TensorInfo): Values;
    };
    const info = wasm.makeOutput(shape, dtype);
    return { info, values: wasm.typedArrayFromHeap(info) };
  },
};

const ACCESS: Record<string, MemoryAccess> = { cpu: CPU, wasm: WASM };
const originals = new Map<string, tf.KernelFunc>();

function rowGather(access: MemoryAccess, original: tf.KernelFunc) {
  return (args: GatherArgs): tf.TensorInfo => {
    const { x, indices } = args.inputs;
    const axis = args.attrs.axis < 0 ? args.attrs.axis + x.shape.length : args.attrs.axis;
    if (axis !== 0 || args.attrs.batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const rows = x.shape[0];
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    // The output is allocated before reading inputs: on wasm an allocation may grow the heap and detach views.
    const out = access.output(args.backend, [...indices.shape, ...x.shape.slice(1)], x.dtype);
    const xv = access.read(args.backend, x);
    const ids = access.read(args.backend, indices);
    const ov = out.values;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= rows) throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
      // A plain loop: rows are short (an embedding), too short for subarray + set to pay for their allocations.
      const src = id * width;
      const dst = i * width;
      for (let j = 0; j < width; j++) ov[dst + j] = xv[src + j];
    }
    return out.info;
  };
}

/** Replaces GatherV2 on `backendName` (cpu, wasm) with the row-copy kernel; idempotent. */
export function registerRowGather(backendName: string): void {
  const access = ACCESS[backendName];
  if (!access) return;
  const existing = tf.getKernel('GatherV2', backendName);
  if (!existing || originals.has(backendName)) return;
  originals.set(backendName, existing.kernelFunc);
  tf.unregisterKernel('GatherV2', backendName);
  tf.registerKernel({
    kernelName: 'GatherV2',
    backendName,
    kernelFunc: rowGather(access, existing.kernelFunc) as unknown as tf.KernelFunc,
  });
}
