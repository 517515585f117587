/**
 * The wasm backend with one XNNPACK thread per core where the page is cross-origin isolated (threads need
 * SharedArrayBuffer, hence COOP/COEP). Two things in tfjs stand in the way while the backend starts:
 * - it sizes its pool at half the cores (tfjs issue 8513): its module reads navigator.hardwareConcurrency once and
 *   caps the thread count at half of it, so for that moment the worker reports twice the cores;
 * - its pthread workers load the module from a Blob of the bundled factory's source text, which a bundler has
 *   rewritten to use helpers of the bundle (they fail with "e is not defined"): that Blob gets the module's own file.
 */
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/** How tfjs's init() begins the pthreads' main script (backend_wasm.ts). */
const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd = ';

/** Blob, except that the pthreads' main script is the module file as published. */
class ThreadMainScriptBlob extends Blob {
  constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
    const first = parts?.[0];
    super(
      typeof first === 'string' && first.startsWith(MAIN_SCRIPT_PREFIX) ? [threadedModule] : parts,
      options,
    );
  }
}

export async function withAllWasmThreads<T>(start: () => Promise<T>): Promise<T> {
  if (!globalThis.crossOriginIsolated) return start();
  const cores = navigator.hardwareConcurrency;
  setThreadsCount(cores);
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * cores, configurable: true });
  const blob = globalThis.Blob;
  globalThis.Blob = ThreadMainScriptBlob;
  try {
    return await start();
  } finally {
    globalThis.Blob = blob;
    // The own property shadowed the prototype's getter: removing it restores the real count.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** XNNPACK threads of the running wasm backend. */
export function wasmThreads(): number {
  return getThreadsCount();
}
