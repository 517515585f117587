import { expect, test } from '@playwright/test';
import { modelInfo } from '../src/engine/models/catalog';
import { openApp, openStep, selectBackend, setTrain, waitDone, waitRunsDone } from './app';

const configs = [modelInfo('mmoe'), modelInfo('ple')].map((m) => `${m.name} · ${m.presets[0].name}`);

test('two presets over two seeds side by side, export and re-import a run, share the experiment, runs kept over a reload', async ({
  page,
  context,
}) => {
  // Ten runs in all, one WASM run at a time on a two-core machine: generous, never a timing assertion.
  test.setTimeout(480_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page);
  await page.getByTestId('dataset-tiny-two-domains').click();
  // WASM: fast on this machine (WebGPU is SwiftShader here), and runs side by side where cores allow.
  await selectBackend(page, 'wasm');
  await setTrain(page, { batchSize: 64, epochs: 1, maxSteps: 12, evalEvery: 4, liveEvalRows: 256 });
  await openStep(page, 'compare');
  for (const label of configs) await page.getByTestId('add-preset').selectOption({ label });
  await expect(page.getByTestId('compare-config')).toContainText(configs);
  await page.getByLabel('Seeds').fill('1, 2');

  const train = page.getByTestId('train-button');
  await expect(train).toHaveText('▶ Train 4 runs');
  await train.click();
  await waitRunsDone(page, 4, 300_000);

  // Several configurations: the main area shows the comparison, a column per configuration (mean ± std over
  // its two seeds), all on the same split, each row's best marked.
  await expect(page.getByTestId('view-compare')).toHaveAttribute('aria-selected', 'true');
  const cols = page.getByTestId('compare-config-col');
  await expect(cols).toHaveCount(2);
  await expect(cols.nth(0)).toHaveAttribute('data-name', configs[0]);
  await expect(cols.nth(1)).toHaveAttribute('data-name', configs[1]);
  await expect(page.getByTestId('split-check')).toHaveAttribute('data-same', 'true');
  await expect(page.getByTestId('compare-0-0-auc')).toHaveText(/^[01]\.\d{4} ± 0\.\d{4}/);
  expect(await page.locator('[data-testid$="-auc"][data-best="true"]').count()).toBeGreaterThanOrEqual(6);
  expect(await page.getByTestId('compare-chart').count()).toBe(6);
  expect(
    await page.getByTestId('compare-curves').locator('path.recharts-line-curve').count(),
  ).toBeGreaterThan(0);
  // The README's picture of the compare view, refreshed on request only (a test run leaves the tree clean).
  await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
  await page.screenshot({
    path: process.env.UPDATE_SCREENSHOT ? 'docs/compare.png' : test.info().outputPath('compare.png'),
  });
  await page.getByText("Show each finished run's gates").click();
  await expect(page.getByTestId('compare-gates-row')).toHaveCount(4);

  // Export the first run, import it, evaluate it on the same data: the same test metrics.
  await page.getByTestId('run-row').nth(0).getByTestId('run-select').click();
  await expect(page.getByTestId('run-title')).toContainText(configs[0]);
  const testAucs = await page.locator('[data-testid^="test-cell-"][data-testid$="-auc"]').allTextContents();
  expect(testAucs).toHaveLength(6);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-zip').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^tiny-two-domains-mmoe-.*-seed1\.zip$/);
  const zipPath = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(zipPath);

  // A file that is not an export fails with a message that says so, leaves no run behind, and the page goes on.
  await page
    .getByTestId('import-zip')
    .setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
  await page.getByTestId('import-evaluate').click();
  await expect(page.getByTestId('error-message')).toContainText('Import notes.zip: ');
  await expect(page.getByTestId('error-message')).toContainText('not a zip archive');
  await expect(page.getByTestId('run-row')).toHaveCount(4);
  await expect(page.locator('[data-testid="run-row"][data-status="error"]')).toHaveCount(0);
  await expect(page.getByTestId('run-strip')).not.toContainText('starting…');

  await page.getByTestId('import-zip').setInputFiles(zipPath);
  await expect(page.getByTestId('import-file')).toContainText(download.suggestedFilename());
  await page.getByTestId('import-evaluate').click();
  await waitDone(page, 'evaluated', 60_000);
  await waitRunsDone(page, 5);
  // Named after what the zip holds, with its size (the Compare column's params).
  await expect(page.getByTestId('run-title')).toContainText(`${configs[0]} · imported`);
  await expect(page.getByTestId('run-params')).toHaveText(/^\d{1,3}(,\d{3})*$/);
  expect(await page.locator('[data-testid^="test-cell-"][data-testid$="-auc"]').allTextContents()).toEqual(
    testAucs,
  );
  // Trained further from the imported weights: a run of its own.
  await page.getByTestId('import-continue').click();
  await waitDone(page, 'max-steps', 60_000);
  await waitRunsDone(page, 6);

  // The address bar holds the experiment: a fresh page opened on it has the same configuration.
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(page.url());
  expect(new URL(link).hash.length).toBeGreaterThan(1);
  await page.getByTestId('experiment-json-toggle').click();
  const plan = await page.getByTestId('experiment-json').inputValue();

  const fresh = await context.newPage();
  await fresh.goto(link);
  await expect(fresh.getByTestId('step-compare-summary')).toHaveText('2 configurations × 2 seeds = 4 runs');
  await openStep(fresh, 'compare');
  await expect(fresh.getByTestId('compare-config')).toHaveCount(2);
  await openStep(fresh, 'training');
  await expect(fresh.getByTestId('train-maxSteps')).toHaveValue('12');
  await expect(fresh.getByTestId('backend-select')).toHaveValue('auto');
  await fresh.getByTestId('experiment-json-toggle').click();
  // Key order may differ (a link holds the canonical JSON); the content may not.
  expect(JSON.parse(await fresh.getByTestId('experiment-json').inputValue())).toEqual(JSON.parse(plan));
  await fresh.close();

  // Finished runs are kept: after a reload all six are listed, and the selected one shows its metrics.
  await page.reload();
  await waitRunsDone(page, 6);
  await page.getByTestId('run-row').nth(0).getByTestId('run-select').click();
  expect(await page.locator('[data-testid^="test-cell-"][data-testid$="-auc"]').allTextContents()).toEqual(
    testAucs,
  );
  await expect(page.getByTestId('export-zip')).toBeEnabled();
  await page.getByRole('button', { name: 'Remove all' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
  // The list empties at once; the deletion from IndexedDB commits a moment later. Reloading before it has
  // would test the race, not whether removed runs stay removed.
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const open = indexedDB.open('moe-playground-runs');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const count = open.result.transaction('runs').objectStore('runs').count();
              count.onsuccess = () => resolve(count.result);
              count.onerror = () => reject(count.error);
            };
          }),
      ),
    )
    .toBe(0);
  await page.reload();
  await expect(page.getByTestId('dataset-tiny-two-domains')).toBeVisible();
  await expect(page.getByTestId('run-row')).toHaveCount(0);
});
