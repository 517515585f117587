/**
 * Picks the training backend in the worker: WebGPU, then WebGL, WASM, CPU. A software GPU
 * (SwiftShader, Chromium's fallback) is skipped under `auto` because WASM is 10–80× faster than it
 * (TFJS-NOTES); every skipped backend carries the reason, for the UI.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { activateBackend, missingKernels } from '../engine/kernels/backend';
import type { Formulation } from '../engine/models/experts';
import type { BackendChoice, BackendName } from './protocol';
import { WASM_PATHS } from './wasmPaths';
import { wasmThreads, withAllWasmThreads } from './wasmThreads';

export interface ChosenBackend {
  backend: BackendName;
  adapter: string | null;
  fallbacks: { backend: BackendName; reason: string }[];
  formulation: Formulation;
  /** XNNPACK threads on wasm (one per core where the page is cross-origin isolated), null elsewhere. */
  threads: number | null;
}

const ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const SOFTWARE = /swiftshader|llvmpipe|software|basic render/i;

interface GpuLike {
  requestAdapter(): Promise<{
    info?: { vendor?: string; architecture?: string; description?: string };
    isFallbackAdapter?: boolean;
  } | null>;
}

/** Adapter description, or the reason WebGPU cannot be used at all. */
async function probeWebGpu(): Promise<{ adapter: string; software: boolean } | { reason: string }> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { reason: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { reason: 'no WebGPU adapter is available (GPU blocklisted or WebGPU disabled)' };
  const info = adapter.info ?? {};
  const name =
    [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { adapter: name, software: adapter.isFallbackAdapter === true || SOFTWARE.test(name) };
}

function webglRenderer(): string | null {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  const fallbacks: ChosenBackend['fallbacks'] = [];
  const start = choice === 'auto' ? 0 : ORDER.indexOf(choice);
  for (const name of ORDER.slice(start)) {
    const forced = name === choice;
    try {
      let adapter: string | null = null;
      if (name === 'webgpu') {
        const probe = await probeWebGpu();
        if ('reason' in probe) {
          fallbacks.push({ backend: name, reason: probe.reason });
          continue;
        }
        adapter = probe.adapter;
        if (probe.software && !forced) {
          fallbacks.push({
            backend: name,
            reason: `the WebGPU adapter is a software renderer (${adapter}); WASM is faster on this machine`,
          });
          continue;
        }
      }
      if (name === 'wasm') setWasmPaths(WASM_PATHS);
      const formulation =
        name === 'wasm' ? await withAllWasmThreads(() => activateBackend(name)) : await activateBackend(name);
      if (!formulation) {
        fallbacks.push({ backend: name, reason: `tfjs could not start the ${name} backend here` });
        continue;
      }
      const missing = missingKernels(name);
      if (missing.length > 0) {
        fallbacks.push({
          backend: name,
          reason: `tfjs's ${name} backend lacks the kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        });
        continue;
      }
      if (name === 'webgl') {
        adapter = webglRenderer();
        if (adapter && SOFTWARE.test(adapter) && !forced) {
          fallbacks.push({
            backend: name,
            reason: `the WebGL renderer is a software one (${adapter}); WASM is faster on this machine`,
          });
          continue;
        }
      }
      return {
        backend: name,
        adapter,
        fallbacks,
        formulation,
        threads: name === 'wasm' ? wasmThreads() : null,
      };
    } catch (e) {
      fallbacks.push({
        backend: name,
        reason: `${name} failed to start: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  throw new Error(
    `no tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`,
  );
}
