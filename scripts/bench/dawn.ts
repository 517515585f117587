/**
 * WebGPU in Node without a browser: the `webgpu` package (Dawn) gives `navigator.gpu`, and tfjs's webgpu backend
 * runs on it. On a machine with a GPU and its Vulkan driver nothing else is needed. Without one, Dawn can run on
 * SwiftShader (Vulkan on the CPU) from Debian's chromium package: its loader (libvulkan.so.1) must be on
 * LD_LIBRARY_PATH when the process starts and VK_ICD_FILENAMES must name its driver (swiftShaderEnv).
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../../src/engine/kernels/backend';
import type { Formulation } from '../../src/engine/models/experts';
import { CHROMIUM_LIB, SWIFTSHADER_ICD } from './swiftShader';

export interface DawnBackend {
  formulation: Formulation;
  /** vendor, architecture and description of the adapter tfjs runs on. */
  adapter: string;
}

type Gpu = ReturnType<typeof import('webgpu').create>;

/** One Dawn instance per process: each holds a Vulkan instance and its threads. */
let gpu: Promise<Gpu> | null = null;
function dawn(): Promise<Gpu> {
  gpu ??= import('webgpu').then(({ create, globals }) => {
    Object.assign(globalThis, globals);
    return create([]);
  });
  return gpu;
}

/** The adapter Dawn offers this process, or null (no Vulkan loader or driver it can use). */
export async function dawnAdapter(): Promise<string | null> {
  const adapter = await (await dawn()).requestAdapter();
  if (!adapter) return null;
  const i = adapter.info;
  return [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unknown adapter';
}

let started: Promise<DawnBackend> | null = null;

/**
 * Installs Dawn's `navigator.gpu` and WebGPU globals, registers tfjs's webgpu backend (it registers itself only
 * if `navigator.gpu` exists when it is first imported) and switches to it with the project's kernels; once per
 * process, later calls switch back to it. Throws, naming what is missing, when no adapter can be had.
 */
export async function startDawnWebGpu(): Promise<DawnBackend> {
  started ??= start();
  const backend = await started;
  await activateBackend('webgpu');
  return backend;
}

async function start(): Promise<DawnBackend> {
  const adapter = await dawnAdapter();
  if (!adapter) {
    throw new Error(
      `Dawn found no WebGPU adapter in this process. Without a GPU driver, start it with LD_LIBRARY_PATH=${CHROMIUM_LIB} and ` +
        `VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader from Debian's chromium package, installed: ${existsSync(SWIFTSHADER_ICD)})`,
    );
  }
  // Node ≥ 21 has a navigator of its own without `gpu`: define it rather than assign.
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: await dawn() },
    configurable: true,
    writable: true,
  });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu'))
    throw new Error(
      '@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it did not register',
    );
  const formulation = await activateBackend('webgpu');
  if (!formulation)
    throw new Error(`tfjs could not start its webgpu backend on the Dawn adapter (${adapter})`);
  return { formulation, adapter };
}
