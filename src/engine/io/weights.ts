/**
 * Weights in TensorFlow.js's weights-manifest format: `model.json` lists every weight (name, shape, dtype) in
 * groups, each group's values stored in its `paths`, concatenated, in manifest order. Only float32 is used:
 * every parameter of every model here is float32.
 */
import type * as tf from '@tensorflow/tfjs';
import { ImportError } from './errors';

export const MODEL_FORMAT = 'moe-playground';
export const WEIGHTS_FILE = 'weights.bin';

/** tfjs's `ModelJSON`, with no topology: the model is rebuilt from config.json by the registry, not by tfjs-layers. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  generatedBy: string;
  convertedBy: null;
  modelTopology: null;
  weightsManifest: tf.io.WeightsManifestConfig;
}

export interface WeightValues {
  shape: number[];
  data: Float32Array;
}

/** One group of a manifest: files (`paths`) and the weights stored in them, in order. */
type ManifestGroup = tf.io.WeightsManifestConfig[number];

/** Weights by name, in manifest order. */
export type Weights = Map<string, WeightValues>;

/** model.json and the bytes of weights.bin (little-endian float32: the byte order of every platform tfjs runs on). */
export async function encodeWeights(
  entries: [string, tf.Tensor][],
  generatedBy: string,
): Promise<{ modelJson: ModelJson; bin: Uint8Array }> {
  const other = entries.find(([, t]) => t.dtype !== 'float32');
  if (other) throw new Error(`weight "${other[0]}" is ${other[1].dtype}: only float32 weights are exported`);
  // Written value by value rather than with tf.io.encodeWeights: on the cpu backend a float32 tensor cast from
  // bool can hold its values in a Uint8Array, whose bytes tfjs would copy as they are.
  const values = await Promise.all(entries.map(([, t]) => t.data()));
  const out = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of values) {
    out.set(v, offset);
    offset += v.length;
  }
  const weights: tf.io.WeightsManifestEntry[] = entries.map(([name, t]) => ({
    name,
    shape: t.shape.slice(),
    dtype: 'float32',
  }));
  return {
    modelJson: {
      format: MODEL_FORMAT,
      generatedBy,
      convertedBy: null,
      modelTopology: null,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights }],
    },
    bin: new Uint8Array(out.buffer),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEntry(g: number, i: number, v: unknown, seen: Set<string>): tf.io.WeightsManifestEntry {
  const where = `model.json: weightsManifest[${g}].weights[${i}]`;
  if (!isObject(v) || typeof v.name !== 'string' || v.name === '')
    throw new ImportError(`${where} has no name`);
  const name = v.name;
  if (seen.has(name)) throw new ImportError(`model.json lists the weight "${name}" twice`);
  seen.add(name);
  if (!Array.isArray(v.shape) || v.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ImportError(`model.json: weight "${name}" has no valid shape (a list of sizes)`);
  if (v.dtype !== 'float32')
    throw new ImportError(
      `model.json: weight "${name}" has dtype ${String(v.dtype)}: only float32 weights can be imported`,
    );
  if (v.quantization !== undefined)
    throw new ImportError(
      `model.json: weight "${name}" is quantized: only plain float32 weights can be imported`,
    );
  return { name, shape: v.shape as number[], dtype: 'float32' };
}

/** The weights manifest of a model.json, checked: our format, float32 entries with valid shapes, each name once. */
export function parseModelJson(v: unknown): tf.io.WeightsManifestConfig {
  if (!isObject(v))
    throw new ImportError(
      'model.json is not a weights manifest (a JSON object with "format" and "weightsManifest")',
    );
  if (v.format !== MODEL_FORMAT)
    throw new ImportError(
      `model.json has format ${JSON.stringify(v.format ?? null)}, not "${MODEL_FORMAT}": it was not exported by this playground`,
    );
  const groups = v.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0)
    throw new ImportError('model.json has no "weightsManifest" (a list of weight groups)');
  const seen = new Set<string>();
  return groups.map((group, g) => {
    if (
      !isObject(group) ||
      !Array.isArray(group.paths) ||
      group.paths.length === 0 ||
      group.paths.some((p) => typeof p !== 'string') ||
      !Array.isArray(group.weights)
    ) {
      throw new ImportError(
        `model.json: weightsManifest[${g}] needs "paths" (file names) and "weights" (a list)`,
      );
    }
    return {
      paths: group.paths as string[],
      weights: group.weights.map((w, i) => checkEntry(g, i, w, seen)),
    };
  });
}

function valuesOf(w: tf.io.WeightsManifestEntry): number {
  return w.shape.reduce((a, b) => a * b, 1);
}

/** Bytes of float32 values a manifest group lists. */
export function weightBytes(group: ManifestGroup): number {
  return group.weights.reduce((n, w) => n + valuesOf(w), 0) * 4;
}

/** Refuses weights files (a group's `paths`, together) of `bytes` bytes when they are not what the group lists. */
export function checkWeightsSize(group: ManifestGroup, bytes: number): void {
  const names = group.paths.join(' + ');
  const expected = weightBytes(group);
  if (bytes < expected)
    throw new ImportError(
      `${names} is truncated: model.json lists ${expected} bytes of float32 weights, the file has ${bytes}`,
    );
  if (bytes > expected)
    throw new ImportError(
      `${names} has ${bytes} bytes but model.json lists ${expected}: the weights do not belong to this model.json`,
    );
}

/** Refuses a weight holding NaN or ±Infinity: a model that diverged cannot be evaluated or trained further. */
function checkFinite(name: string, data: Float32Array): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    if (first < 0) first = i;
    count++;
  }
  if (count > 0)
    throw new ImportError(
      `weight "${name}" holds ${count} non-finite value${count > 1 ? 's' : ''} (NaN or ±Infinity; the first at index ${first}): the run had diverged when it was exported`,
    );
}

/**
 * The values of every weight, read from the files a manifest names (`file` returns null for a file that is
 * missing); every value finite.
 */
export function decodeWeights(
  manifest: tf.io.WeightsManifestConfig,
  file: (path: string) => Uint8Array | null,
): Weights {
  const out: Weights = new Map();
  for (const group of manifest) {
    const parts = group.paths.map((p) => {
      const bytes = file(p);
      if (!bytes) throw new ImportError(`the zip has no ${p} (model.json stores weights in it)`);
      return bytes;
    });
    const bytes = parts.length === 1 ? parts[0] : concat(parts);
    checkWeightsSize(group, bytes.byteLength);
    const sizes = group.weights.map(valuesOf);
    let offset = bytes.byteOffset;
    group.weights.forEach((w, i) => {
      // A copy: a zip entry's bytes need not be 4-byte aligned, which a Float32Array view requires.
      const data = new Float32Array(bytes.buffer.slice(offset, offset + sizes[i] * 4));
      checkFinite(w.name, data);
      out.set(w.name, { shape: w.shape.slice(), data });
      offset += sizes[i] * 4;
    });
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
