import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { DatasetManifestEntry } from '../src/engine/synth/manifest';
import { openApp } from './app';

const manifest = JSON.parse(readFileSync('public/datasets/index.json', 'utf8')) as DatasetManifestEntry[];

test('the id-heavy dataset is listed and shows its oracle test AUC for every domain × task cell', async ({
  page,
}) => {
  const entry = manifest.find((e) => e.id === 'id-heavy-four-domains')!;
  await openApp(page);
  await page.getByTestId(`dataset-${entry.id}`).click();
  const stats = page.getByTestId('dataset-stats');
  for (const [d, domain] of entry.domains.entries()) {
    // One row per domain: its name, its rows, then one cell per task with the oracle stacked under the positive rate.
    const cells = stats.locator('tbody tr').nth(d).locator('th, td');
    await expect(cells.first()).toHaveText(domain);
    for (const [t, task] of entry.tasks.entries()) {
      await expect(cells.nth(2 + t).locator('.stacked')).toHaveText(
        entry.oracle.test.byCell[domain][task]!.toFixed(4),
      );
    }
  }
});
