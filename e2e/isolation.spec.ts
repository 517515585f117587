import { expect, test } from '@playwright/test';
import { openApp, setTrain, train, waitDone } from './app';

/**
 * The page is cross-origin isolated (COOP/COEP from the server) so that WASM can use threads, and isolation
 * must not cost any backend: each one trains a short run to the end on the isolated page.
 */
test('the cross-origin isolated page trains on every backend, WASM with a thread per core', async ({
  page,
}) => {
  test.setTimeout(360_000); // four runs, WebGPU and WebGL through SwiftShader
  await openApp(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
    await openApp(page);
    await page.getByTestId('dataset-tiny-two-domains').click();
    await page.getByTestId('model-select').selectOption('mmoe');
    await page.getByTestId('backend-select').selectOption(backend);
    await setTrain(page, { batchSize: 64, maxSteps: 4, evalEvery: 0, liveEvalRows: 128 });
    await train(page);
    await expect(page.getByTestId('backend-name')).toHaveText(backend, { timeout: 60_000 });
    await waitDone(page, 'max-steps');
    await expect(page.getByTestId('test-cell-0-0-auc')).toHaveText(/^(0|1)\.\d{4}/);
    if (backend === 'wasm')
      await expect(page.getByTestId('backend-threads')).toHaveText(
        `· ${cores} thread${cores === 1 ? '' : 's'}`,
      );
    else await expect(page.getByTestId('backend-threads')).toHaveCount(0);
  }
});
