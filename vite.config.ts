import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The data never leaves the machine: nothing may be fetched from, or sent to, another origin. 'wasm-unsafe-eval'
 * lets tfjs compile its WASM backend; inline styles are how React and recharts position things.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // blob: the threaded WASM backend starts its pthread workers from Blob URLs made by its own script.
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * Cross-origin isolation: SharedArrayBuffer, hence WASM threads, needs it. Every resource the page loads is its
 * own, so require-corp blocks nothing. (A static host that cannot send headers needs a service worker to add them.)
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * A static host may send no headers, so the built page carries the policy in a meta tag. The dev server is left
 * without it: React Fast Refresh injects an inline script a policy would block.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  // Relative asset URLs: the built site works from any static host and subpath (e.g. GitHub Pages).
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  // A meta tag does not reach workers (they take the policy of their own response): `vite preview`, which the
  // e2e tests serve, sends it as a header so the workers run under it too.
  preview: { headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...CROSS_ORIGIN_ISOLATION } },
  server: { headers: CROSS_ORIGIN_ISOLATION },
  // The training worker imports tfjs as an ES module (code splitting, `import.meta.url` asset URLs).
  worker: { format: 'es' },
  // Pre-bundled up front, or `vite dev` discovers them when the worker starts and reloads the page mid-run.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
  build: {
    target: 'es2022',
    // The app, and the page `npm run bench` drives the real worker through (dist/bench.html).
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
    // tfjs makes the worker chunk large by nature; it loads off the main thread.
    chunkSizeWarningLimit: 4096,
  },
});
