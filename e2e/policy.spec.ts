/**
 * The policy on a host that sends no headers (GitHub Pages): the site served from a subpath by a plain static
 * server, as it is published. The service worker must give the page cross-origin isolation and every worker the
 * Content-Security-Policy, which then refuses a request to another origin that would otherwise answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { serveStatic } from '../scripts/bench/serve';
import { selectBackend, setTrain, stepCount, train, trainWorker } from './app';

// The other specs run against `vite preview`, which sends the headers itself; this one needs the worker.
test.use({ serviceWorkers: 'allow' });

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

test('a plain static host: the service worker isolates the page and a worker cannot reach another origin', async ({
  page,
}) => {
  const site = await serveStatic(path.resolve('dist'), {}, '/moe-playground/', { isolated: false });
  // Another origin that answers anyone (CORS and CORP open): only the policy can refuse it.
  const other = createServer((_, res) =>
    res
      .writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' })
      .end('reachable'),
  );
  const probe = `http://127.0.0.1:${await listen(other)}/probe`;
  try {
    const first = await page.goto(`http://127.0.0.1:${site.port}/moe-playground/`);
    expect(first?.headers()['content-security-policy']).toBeUndefined();
    expect(first?.headers()['cross-origin-embedder-policy']).toBeUndefined();
    // The first visit registers the worker and reloads once under it.
    await page.waitForFunction(
      () => window.crossOriginIsolated && navigator.serviceWorker.controller !== null,
      null,
      {
        timeout: 60_000,
      },
    );
    await page.getByTestId('dataset-tiny-two-domains').click();
    // WASM, threaded under the isolation: its pthread workers come from blob: URLs the policy must allow.
    await selectBackend(page, 'wasm');
    await setTrain(page, { batchSize: 64, epochs: 50, maxSteps: 0, evalEvery: 0, patience: 0 });
    await train(page);
    const worker = await trainWorker(page);
    const outcome = await worker.evaluate(async (url) => {
      const violation = new Promise<string>((resolve) =>
        self.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective)),
      );
      try {
        return `fetched: ${await (await fetch(url)).text()}`;
      } catch {
        return `refused by ${await violation}`;
      }
    }, probe);
    expect(outcome).toBe('refused by connect-src');
    expect(await worker.evaluate(() => self.crossOriginIsolated)).toBe(true);
    // And the run trains under the policy and the isolation.
    await expect.poll(() => stepCount(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('stop-button').click();
    await expect(page.getByTestId('run-status')).not.toHaveText(/training|stopping/, { timeout: 60_000 });
  } finally {
    site.server.close();
    other.close();
  }
});
