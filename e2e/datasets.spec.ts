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
    // One row per domain: its name, then rows, positive rate and oracle for each task.
    const cells = stats.locator('tbody tr').nth(d).locator('th, td');
    await expect(cells.first()).toHaveText(domain);
    for (const [t, task] of entry.tasks.entries()) {
      await expect(cells.nth(1 + 3 * t + 2)).toHaveText(entry.oracle.test.byCell[domain][task]!.toFixed(4));
    }
  }
});
