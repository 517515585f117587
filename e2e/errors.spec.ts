import { expect, test, type Page } from '@playwright/test';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { applyJson, openApp, openStep, runError, selectBackend, setTrain, train, waitDone } from './app';

/** A good, fast run (WASM, a few steps) must still work after each error. */
async function trainsAgain(page: Page): Promise<void> {
  await openStep(page, 'data');
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectBackend(page, 'wasm');
  await setTrain(page, { batchSize: 64, maxSteps: 3, evalEvery: 0 });
  await train(page);
  await waitDone(page, 'max-steps', 60_000);
  await expect(page.getByTestId('error-message')).toHaveCount(0);
}

test.describe('bad input: a clear message naming the problem, and the page still trains', () => {
  test.beforeEach(async ({ page }) => {
    await openApp(page);
    await page.getByTestId('dataset-tiny-two-domains').click();
    await selectBackend(page, 'wasm');
  });

  test('a mapping naming a missing column', async ({ page }) => {
    await applyJson(page, (exp) => {
      exp.data.tasks[0].column = 'clik';
    });
    await train(page);
    const message = await runError(page);
    expect(message).toContain('"clik"');
    expect(message).toContain('did you mean "click"');
    await trainsAgain(page);
  });

  test('a domain column with a single value: warned before training, and the run still works', async ({
    page,
  }) => {
    // The tiny dataset with every row in one domain, uploaded as a file.
    const csv = gunzipSync(readFileSync('public/datasets/tiny-two-domains.csv.gz')).toString('utf8');
    const oneDomain = csv.replace(/^web,/gm, 'app,');
    await openStep(page, 'data');
    await page
      .getByTestId('dataset-upload')
      .setInputFiles({ name: 'one-domain.csv', mimeType: 'text/csv', buffer: Buffer.from(oneDomain) });
    // Read: the page moves on to its mapping; the data step lists the file as the chosen data.
    await expect(page.getByTestId('upload-summary')).toBeVisible();
    await openStep(page, 'data');
    await expect(page.getByTestId('dataset-uploaded')).toHaveAttribute('aria-selected', 'true');
    await page.getByTestId('check-data').click();
    const issues = page.getByTestId('data-issues');
    await expect(issues).toContainText('domain column "domain"');
    await expect(issues).toContainText('single value "app"');
    await setTrain(page, { batchSize: 64, maxSteps: 3, evalEvery: 0 });
    await train(page);
    await waitDone(page, 'max-steps', 60_000);
  });

  test('a task rule that makes the label constant', async ({ page }) => {
    await applyJson(page, (exp) => {
      exp.data.tasks[1].rule = '> 5';
    });
    await train(page);
    const message = await runError(page);
    expect(message).toContain('task "convert"');
    expect(message).toContain('always 0');
    await trainsAgain(page);
  });

  test('a batch larger than the train split, and JSON the page refuses', async ({ page }) => {
    // Within the form's limit (65,536), beyond the tiny set's 2,400 train rows: the worker says so.
    await setTrain(page, { batchSize: 5000 });
    await train(page);
    expect(await runError(page)).toContain('batch size');

    // Refused before any run: broken JSON, an unknown key, a bad model option.
    const box = page.getByTestId('experiment-json');
    await page.getByTestId('experiment-json-toggle').click();
    await box.fill('{ "data": ');
    await page.getByTestId('apply-json').click();
    await expect(page.getByTestId('error-message')).toContainText('not valid JSON');
    await page.getByTestId('reset-json').click();
    await applyJson(page, (exp) => {
      (exp.train as Record<string, unknown>).batchsize = 64;
    });
    await expect(page.getByTestId('error-message')).toContainText('"batchsize"');
    await page.getByTestId('reset-json').click();
    await applyJson(page, (exp) => {
      exp.model = { id: 'mmoe', options: { experts: 0 } };
    });
    await expect(page.getByTestId('error-message')).toContainText('"experts"');
    await page.getByTestId('reset-json').click();
    await trainsAgain(page);
  });
});
