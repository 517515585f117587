import { expect, test } from '@playwright/test';
import { openApp, selectBackend, selectModel, setTrain, train, waitDone } from './app';

test('trains MMoE on WebGPU: backend, curves, metric grid, gate heatmaps, test metrics', async ({ page }) => {
  // SwiftShader runs WebGPU on the CPU: seconds a step on a loaded two-core machine. Never a timing assertion.
  test.setTimeout(360_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page);
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectModel(page, 'mmoe');
  await page.getByTestId('preset-select').selectOption({ index: 1 });
  await selectBackend(page, 'webgpu');
  await setTrain(page, { batchSize: 64, maxSteps: 20, evalEvery: 5, liveEvalRows: 256 });
  await train(page);

  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');
  await page.getByTestId('backend-summary').click();
  await expect(page.getByTestId('fallback-reasons')).toBeVisible();
  await page.getByTestId('backend-summary').click();
  await waitDone(page, 'max-steps', 300_000);

  // Curves: the AUC chart has drawn lines with points, the loss chart a line.
  const auc = page.getByTestId('auc-chart');
  expect(await auc.locator('path.recharts-line-curve').count()).toBeGreaterThan(0);
  expect(await auc.locator('.recharts-line-dot').count()).toBeGreaterThan(0);
  expect(await page.getByTestId('loss-chart').locator('path.recharts-line-curve').count()).toBeGreaterThan(0);

  // The metric grid holds numbers for every domain × task cell.
  for (const cell of ['cell-0-0', 'cell-0-1', 'cell-1-0', 'cell-1-1']) {
    await expect(page.getByTestId(`${cell}-auc`)).toHaveText(/^(0|1)\.\d{4}/);
  }

  // Each gate heatmap has painted pixels that differ (not a blank or flat canvas).
  const heatmaps = page.locator('canvas[data-testid^="gate-heatmap-"]');
  expect(await heatmaps.count()).toBeGreaterThan(0);
  const variances = await heatmaps.evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      let sq = 0;
      const n = px.length / 4;
      for (let i = 0; i < px.length; i += 4) {
        const v = px[i] + px[i + 1] + px[i + 2] + px[i + 3];
        sum += v;
        sq += v * v;
      }
      return sq / n - (sum / n) ** 2;
    }),
  );
  for (const v of variances) expect(v).toBeGreaterThan(100);

  // MMoE's gates are dense and it reports no inspection: no selection maps, no readouts panel.
  await expect(page.locator('canvas[data-testid^="gate-selection-"]')).toHaveCount(0);
  await expect(page.getByTestId('model-readouts')).toHaveCount(0);

  const testMetrics = page.getByTestId('test-metrics');
  await expect(testMetrics).toBeVisible();
  await expect(page.getByTestId('test-cell-0-0-auc')).toHaveText(/^(0|1)\.\d{4}/);
  await expect(page.getByTestId('test-cell-all-1-auc')).toHaveText(/^(0|1)\.\d{4}/);
});
