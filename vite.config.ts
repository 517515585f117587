import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  // Relative asset URLs: the built site works from any static host and subpath (e.g. GitHub Pages).
  base: './',
  plugins: [react()],
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
