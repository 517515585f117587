import { expect, test } from '@playwright/test';
import { modelInfo } from '../src/engine/models/catalog';
import { openApp, openStep, selectBackend, setTrain, waitRunsDone } from './app';

const configs = [modelInfo('mmoe'), modelInfo('ple')].map((m) => `${m.name} · ${m.presets[0].name}`);

test('a comparison parses its file once: the second run trains on the first run’s parse, on the same split', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openApp(page);
  // vite preview sends COOP/COEP: the parse is handed over in SharedArrayBuffers, not copied.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectBackend(page, 'wasm');
  await setTrain(page, { batchSize: 64, epochs: 1, maxSteps: 4, evalEvery: 4, liveEvalRows: 128 });
  await openStep(page, 'compare');
  for (const label of configs) await page.getByTestId('add-preset').selectOption({ label });
  await page.getByTestId('train-button').click();
  await waitRunsDone(page, 2, 180_000);

  await expect(page.getByTestId('split-check')).toHaveAttribute('data-same', 'true');
  const rows = page.getByTestId('run-row');
  const summaries: string[] = [];
  // Queued first, the first configuration's run parsed the file; the second was handed its dataset.
  await rows.nth(0).getByTestId('run-select').click();
  await expect(page.getByTestId('run-title')).toContainText(configs[0]);
  const firstName = (await page.getByTestId('run-title').textContent()) ?? '';
  await expect(page.getByTestId('data-summary')).toBeVisible();
  await expect(page.getByTestId('data-shared')).toHaveCount(0);
  summaries.push((await page.getByTestId('data-summary').textContent()) ?? '');

  await rows.nth(1).getByTestId('run-select').click();
  await expect(page.getByTestId('run-title')).toContainText(configs[1]);
  await expect(page.getByTestId('data-shared')).toContainText(
    `data shared from the parse of run “${configs[0]}`,
  );
  expect(firstName).toContain(
    ((await page.getByTestId('data-shared').textContent()) ?? '').match(/“(.*)”/)?.[1] ?? 'no name',
  );
  // What the panel says of the data is the parsed run's, to the row.
  summaries.push((await page.getByTestId('data-summary').textContent()) ?? '');
  expect(summaries[1]).toBe(summaries[0]);
});
