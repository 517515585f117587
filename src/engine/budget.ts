/**
 * The memory a run needs, estimated from its configuration and the data's dimensions before anything is built,
 * and checked against what the backend can hold: a run that cannot fit is refused with the setting to lower,
 * instead of hanging the tab or the worker (issue 12: batch 1e9 hung the bench; embedding 1e6 grew to 1.7 GB).
 * Free of tfjs: the worker, the page's form and the bench all use it.
 */
import { formatBytes as fmtBytes } from './data/sizeLimit';
import { modelInfo, resolveOptions, type ModelInfo, type OptionSpec } from './models/catalog';
import type { ModelSize, SizeDims } from './models/info/size';
import type { TrainConfig } from './train/config';

const BYTES_PER_VALUE = 4;

/**
 * Factors measured with tf.profile on the cpu backend over every preset of every model at a census-like shape
 * (budget.test.ts keeps the estimate above the measured peak and within a few times of it):
 * - between steps the weights, Adam's two moments and the best epoch's snapshot: 4 values per parameter;
 * - the Adam update (packed: all gradients concatenated, moments and update in one tidy) peaks at 20 per
 *   parameter, gradients and its finiteness probe (step + v, times 0) included; the forward and backward passes
 *   are freed by then;
 * - the backward pass holds about 3 values per parameter (gradients, transposed weights), each per-step derived
 *   tensor and its gradient, and per batch row 4.7 to 13.9 times the model's activation widths (elementwise
 *   companions and gradients): 16 covers them.
 */
export const MEMORY_FACTORS = {
  persistentPerParam: 4,
  adamPerParam: 20,
  backwardPerParam: 3,
  perStepValue: 2,
  perRowValue: 16,
  /** Scalars, loss parts and other small tensors of a step. */
  fixedBytes: 1 << 16,
  /**
   * Scoring without training holds the weights alone and a forward pass (no gradients, no optimizer): up to
   * 8 values per activation value per row, measured the same way over a first and a last preset of each model.
   */
  evalPerParam: 1,
  evalPerStepValue: 1,
  evalPerRowValue: 8,
} as const;

/** The data's dimensions (DataShape's numbers). */
export type DataDims = Omit<SizeDims, 'embeddingDim' | 'domainInput'>;

export interface MemoryEstimate {
  params: number;
  /** Weights, optimizer moments and the best epoch's snapshot, held between steps. */
  heldBytes: number;
  /** The peak of one training step above what is held. */
  stepBytes: number;
  totalBytes: number;
  /** The largest single tensor, and what it is. */
  largestTensorBytes: number;
  largestTensor: string;
}

export interface RunSettings {
  model: { id: string; options: Record<string, unknown> };
  train: Pick<TrainConfig, 'batchSize' | 'embeddingDim' | 'domainInput'>;
  /** Imported weights scored without training (no optimizer, no backward pass); default false. */
  evaluateOnly?: boolean;
}

function sizeOf(info: ModelInfo, run: RunSettings, data: DataDims): ModelSize {
  return info.size(resolveOptions(info.id, run.model.options), {
    ...data,
    embeddingDim: run.train.embeddingDim,
    domainInput: run.train.domainInput,
  });
}

export function estimateMemory(run: RunSettings, data: DataDims): MemoryEstimate {
  const size = sizeOf(modelInfo(run.model.id), run, data);
  const f = MEMORY_FACTORS;
  const B = run.train.batchSize;
  const params = size.tensors.reduce((a, b) => a + b, 0);
  // The batch itself: ids, numbers, domain (id and one-hot), labels and their mask.
  const inputs = B * (data.numCat + data.numNum + 1 + data.numDomains + 2 * data.numTasks);
  const held = (run.evaluateOnly ? f.evalPerParam : f.persistentPerParam) * params;
  const backward =
    f.backwardPerParam * params + f.perStepValue * size.stepValues + f.perRowValue * B * size.rowValues;
  const forward = f.evalPerStepValue * size.stepValues + f.evalPerRowValue * B * size.rowValues;
  const step = (run.evaluateOnly ? forward : Math.max(f.adamPerParam * params, backward)) + inputs;
  const embedding = Math.max(data.vocabSize, 1) * run.train.embeddingDim;
  const largest = [
    // Packed Adam concatenates every gradient into one tensor.
    {
      values: run.evaluateOnly ? 0 : params,
      what: `the optimizer's gradient vector (${fmtCount(params)} parameters)`,
    },
    {
      values: B * size.widestRow,
      what: `one activation of the batch (${fmtCount(B)} rows × ${fmtCount(size.widestRow)})`,
    },
    {
      values: embedding,
      what: `the embedding table (${fmtCount(data.vocabSize)} × ${run.train.embeddingDim})`,
    },
  ].reduce((a, b) => (b.values > a.values ? b : a));
  return {
    params,
    heldBytes: BYTES_PER_VALUE * held,
    stepBytes: BYTES_PER_VALUE * step + f.fixedBytes,
    totalBytes: BYTES_PER_VALUE * (held + step) + f.fixedBytes,
    largestTensorBytes: BYTES_PER_VALUE * largest.values,
    largestTensor: largest.what,
  };
}

/** What a backend can hold: in all, and in one tensor (a GPU buffer, a texture, a typed array). */
export interface BackendCapacity {
  backend: string;
  totalBytes: number;
  tensorBytes: number;
  /** Where the figures come from, for the message. */
  source: string;
}

/** Limits the environment reports; each absent one takes the default below. */
export interface DeviceLimits {
  /** navigator.deviceMemory (Chrome reports at most 8 GiB) or the machine's memory (Node). */
  deviceMemoryBytes?: number;
  /** WebGPU: the smaller of the device's maxBufferSize and maxStorageBufferBindingSize. */
  gpuBufferBytes?: number;
  /** WebGL: MAX_TEXTURE_SIZE; a tensor is at most size² values. */
  webglMaxTextureSize?: number;
}

const GIB = 2 ** 30;
/** tfjs's WASM build grows its heap up to 4 GiB − 64 KiB (getHeapMax), wasm32's limit. */
const WASM_HEAP_BYTES = 4294901760;
/** What a GPU or the machine is assumed to hold when the browser does not say. */
const DEFAULT_DEVICE_BYTES = 4 * GIB;
/** The share of the machine's memory one run's tensors may take: the page, the browser and other runs keep the rest. */
const MEMORY_SHARE = 0.5;
/** V8's largest typed array is 2^32 − 1 elements on 64-bit; tfjs's cpu backend keeps a tensor in one. */
const TYPED_ARRAY_BYTES = 2 * GIB;

export function backendCapacity(backend: string, limits: DeviceLimits = {}): BackendCapacity {
  const memory = limits.deviceMemoryBytes;
  const share = memory !== undefined ? memory * MEMORY_SHARE : DEFAULT_DEVICE_BYTES;
  const shareSource =
    memory !== undefined ? `half of the ${fmtBytes(memory)} this device reports` : 'an assumed 4 GB';
  switch (backend) {
    case 'wasm':
      return {
        backend,
        totalBytes: Math.min(WASM_HEAP_BYTES, share),
        tensorBytes: WASM_HEAP_BYTES,
        source:
          memory !== undefined && share < WASM_HEAP_BYTES ? shareSource : 'the 4 GB a WASM heap can grow to',
      };
    case 'webgl': {
      const texture = limits.webglMaxTextureSize;
      return {
        backend,
        totalBytes: DEFAULT_DEVICE_BYTES,
        tensorBytes: texture !== undefined ? texture * texture * BYTES_PER_VALUE : DEFAULT_DEVICE_BYTES,
        source: `an assumed 4 GB of GPU memory${texture !== undefined ? `, textures of at most ${texture}²` : ''}`,
      };
    }
    case 'webgpu':
      return {
        backend,
        totalBytes: DEFAULT_DEVICE_BYTES,
        tensorBytes: limits.gpuBufferBytes ?? DEFAULT_DEVICE_BYTES,
        source: `an assumed 4 GB of GPU memory${limits.gpuBufferBytes !== undefined ? `, buffers of at most ${fmtBytes(limits.gpuBufferBytes)}` : ''}`,
      };
    default:
      return { backend, totalBytes: share, tensorBytes: TYPED_ARRAY_BYTES, source: shareSource };
  }
}

/** A setting that can be lowered: its name in messages, and the run with it set to a value. */
interface Lever {
  setting: string;
  current: number;
  min: number;
  /** null where this value is not a valid run (an option check would refuse it). */
  withValue(v: number): RunSettings | null;
}

function levers(run: RunSettings): Lever[] {
  const info = modelInfo(run.model.id);
  const options = resolveOptions(info.id, run.model.options);
  const train = (key: 'batchSize' | 'embeddingDim'): Lever => ({
    setting: `train.${key}`,
    current: run.train[key],
    min: 1,
    withValue: (v) => ({ ...run, train: { ...run.train, [key]: v } }),
  });
  const option = (spec: Extract<OptionSpec, { kind: 'int' | 'intList' }>): Lever => {
    const value = options[spec.key];
    const list = Array.isArray(value);
    // A list (layer sizes) is scaled as a whole, by its widest entry.
    const current = list ? Math.max(...value) : (value as number);
    return {
      setting: `model option "${spec.key}"`,
      current,
      min: spec.min,
      withValue: (v) => {
        const scaled = list ? value.map((x) => Math.max(spec.min, Math.floor((x * v) / current))) : v;
        try {
          resolveOptions(info.id, { ...options, [spec.key]: scaled });
          return { ...run, model: { ...run.model, options: { ...options, [spec.key]: scaled } } };
        } catch {
          return null;
        }
      },
    };
  };
  return [
    train('batchSize'),
    train('embeddingDim'),
    ...info.options
      .filter(
        (s): s is Extract<OptionSpec, { kind: 'int' | 'intList' }> =>
          s.kind === 'int' || s.kind === 'intList',
      )
      .map(option),
  ];
}

/** The largest value of the lever (up to its current one) that fits, or null when even its minimum does not. */
function largestFitting(lever: Lever, fits: (run: RunSettings) => boolean): number | null {
  const at = (v: number) => {
    const run = lever.withValue(v);
    return run !== null && fits(run);
  };
  if (!at(lever.min)) return null;
  let lo = lever.min;
  let hi = lever.current;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Why the run cannot fit the backend, naming the setting to lower (the one that needs the smallest change to
 * fit, with the largest value that fits), or null when it fits.
 */
export function budgetProblem(run: RunSettings, data: DataDims, capacity: BackendCapacity): string | null {
  const fits = (r: RunSettings) => {
    const e = estimateMemory(r, data);
    return e.totalBytes <= capacity.totalBytes && e.largestTensorBytes <= capacity.tensorBytes;
  };
  if (fits(run)) return null;
  const e = estimateMemory(run, data);
  const what =
    e.totalBytes > capacity.totalBytes
      ? `this run needs about ${fmtBytes(e.totalBytes)} (${fmtCount(e.params)} parameters: ${fmtBytes(e.heldBytes)} held between steps, ${fmtBytes(e.stepBytes)} more during a step at batch ${fmtCount(run.train.batchSize)}), more than the ${fmtBytes(capacity.totalBytes)} the ${capacity.backend} backend can hold (${capacity.source})`
      : `its largest tensor, ${e.largestTensor}, is ${fmtBytes(e.largestTensorBytes)}, more than the ${fmtBytes(capacity.tensorBytes)} one tensor may be on the ${capacity.backend} backend (${capacity.source})`;
  const options = levers(run)
    .map((lever) => ({ lever, value: largestFitting(lever, fits) }))
    .filter((o): o is { lever: Lever; value: number } => o.value !== null && o.value < o.lever.current);
  if (options.length === 0)
    return `${what}: no single setting brings it within reach; a smaller model and data are needed`;
  const best = options.reduce((a, b) => (b.value / b.lever.current > a.value / a.lever.current ? b : a));
  return `${what}: lower ${best.lever.setting} (${fmtCount(best.lever.current)} now; at most ${fmtCount(best.value)} fits)`;
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}
