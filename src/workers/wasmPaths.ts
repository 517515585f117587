/**
 * URLs of the tfjs WASM binaries for `setWasmPaths(WASM_PATHS)`. Vite's `?url` import emits each `.wasm` file
 * into the build (hashed, under assets/) and resolves it relative to the importing chunk, so it is found from
 * the worker whatever the base path the site is served from; in `vite dev` it points into node_modules.
 */
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
};
