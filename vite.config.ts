import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY, CROSS_ORIGIN_ISOLATION } from './src/sw/policy';

/**
 * The built page carries the policy in a meta tag too: it holds before the service worker (src/sw) controls the
 * page. The dev server is left without it: React Fast Refresh injects an inline script a policy would block.
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
    // The app, the page `npm run bench` drives the real worker through (dist/bench.html), and the policy service
    // worker, at a fixed name beside index.html (its scope is its folder).
    rollupOptions: {
      input: { main: 'index.html', bench: 'bench.html', sw: 'src/sw/serviceWorker.ts' },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
    // tfjs makes the worker chunk large by nature; it loads off the main thread.
    chunkSizeWarningLimit: 4096,
  },
});
