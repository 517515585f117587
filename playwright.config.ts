import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium';

// E2E_PORT: a second checkout (or a benchmark) may hold the default port.
const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * End-to-end tests against the built site, as a static host would serve it. WebGPU runs through SwiftShader
 * (software): the first step compiles shaders for seconds, hence one worker and generous timeouts.
 */
export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    // The larger of the two sizes the layout is tested at (e2e/workbench.spec.ts checks 1280×720 too).
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    // vite preview sends the site's headers itself; the policy service worker has its own spec (policy.spec.ts),
    // and here it would reload each page once on its first visit.
    serviceWorkers: 'block',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  webServer: {
    // Build first: the tests check the emitted site (worker chunk, wasm files, relative base), not the dev server.
    command: `npm run build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
