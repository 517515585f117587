import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { applyJson, openApp, selectBackend, setTrain, train, waitDone } from './app';

const CENSUS = '../shared/datasets/census-income/census-income.csv.gz';

interface Fixture {
  mapping: Record<string, unknown>;
  /** A substring of the message the page must show, or the rows of a valid file. */
  expect: string | number;
}
const FIXTURES = JSON.parse(readFileSync('e2e/fixtures/expected.json', 'utf8')) as Record<string, Fixture>;

async function upload(page: Page, path: string): Promise<void> {
  await page.getByTestId('dataset-upload').setInputFiles(path);
}

test.describe('bring your own CSV', () => {
  test('census.csv.gz: read off the main thread, layout recognised, checked, trained; nothing leaves the machine', async ({
    page,
    context,
    baseURL,
  }) => {
    test.setTimeout(300_000);
    const outside: string[] = [];
    const origin = new URL(baseURL!).origin;
    // Requests of the page and of its workers alike.
    context.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
        outside.push(r.url());
    });
    await openApp(page);
    await upload(page, CENSUS);
    await expect(page.getByTestId('upload-summary')).toContainText('99,762 rows × 44 columns', {
      timeout: 120_000,
    });

    const banner = page.getByTestId('layout-banner');
    await expect(banner).toContainText('Census');
    await banner.getByRole('button').click();
    await expect(page.getByRole('combobox', { name: 'Role of domain_sex' })).toHaveValue('domain');
    await expect(page.getByRole('combobox', { name: 'Role of instance_weight' })).toHaveValue('ignore');
    await expect(page.getByRole('textbox', { name: 'Rule of task 1' })).toHaveValue('== 1');

    await page.getByTestId('check-data').click();
    const report = page.getByTestId('data-report');
    await expect(report).toContainText('2 domains × 2 tasks', { timeout: 120_000 });
    // The layout knows what the codes mean (0 = Female, 1 = Male): names wherever a domain is shown.
    await expect(page.getByTestId('cell-report').locator('tbody th')).toHaveText(['Female', 'Male']);
    await expect(page.getByTestId('vocab-report')).toContainText('education');

    await selectBackend(page, 'wasm');
    await setTrain(page, { batchSize: 1024, maxSteps: 20, evalEvery: 10, liveEvalRows: 4096 });
    await train(page);
    await waitDone(page, 'max-steps', 240_000);
    for (const cell of ['cell-0-0', 'cell-0-1', 'cell-1-0', 'cell-1-1'])
      await expect(page.getByTestId(`${cell}-auc`)).toHaveText(/^(0|1)\.\d{4}/);
    await expect(page.getByTestId('metric-grid').locator('tbody th')).toHaveText([
      'Female',
      'Male',
      'all domains',
    ]);
    await expect(page.getByTestId('auc-cell-0-0')).toContainText('income · Female');
    await expect(page.getByTestId('auc-cell-1-1')).toContainText('never_married · Male');

    // The policy is really in force: a request to another origin is refused by the browser itself.
    const refused = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => false,
        () => true,
      ),
    );
    expect(refused).toBe(true);
    expect(outside).toEqual([]);
  });

  for (const [file, fixture] of Object.entries(FIXTURES)) {
    test(`malformed input: ${file}`, async ({ page }) => {
      await openApp(page);
      await upload(page, `e2e/fixtures/${file}`);
      const error = page.getByTestId('upload-error');
      const summary = page.getByTestId('upload-summary');
      await expect(error.or(summary)).toBeVisible();
      if (typeof fixture.expect === 'number') {
        await expect(summary).toContainText(`${fixture.expect} rows`);
        return;
      }
      if (await error.isVisible()) {
        await expect(error).toContainText(fixture.expect);
        return;
      }
      // A file that parses: its problem shows when the mapping is checked.
      await applyJson(page, (exp) => {
        const data = exp.data as unknown as Record<string, unknown>;
        exp.data = { ...fixture.mapping, path: file, sha256: data.sha256 } as unknown as typeof exp.data;
      });
      await page.getByTestId('check-data').click();
      await expect(page.getByTestId('data-report').or(page.getByTestId('check-error'))).toContainText(
        fixture.expect,
      );
    });
  }

  test('a leaking column: kept out of the proposal, and Train checks the data and asks before training on it', async ({
    page,
  }) => {
    await openApp(page);
    await upload(page, 'e2e/fixtures/leaking-column.csv');
    await expect(page.getByTestId('upload-summary')).toContainText('300 rows');
    const rating = page.getByTestId('role-row-rating');
    await expect(rating.getByRole('combobox')).toHaveValue('ignore');
    await expect(rating).toContainText('determines task "y_click_rating_gt3"');

    // The person maps it as a feature anyway and presses Train without Check data.
    const fixture = FIXTURES['leaking-column.csv'];
    await applyJson(page, (exp) => {
      const data = exp.data as unknown as Record<string, unknown>;
      exp.data = {
        ...fixture.mapping,
        path: 'leaking-column.csv',
        sha256: data.sha256,
      } as unknown as typeof exp.data;
    });
    await selectBackend(page, 'wasm');
    await setTrain(page, { batchSize: 32, maxSteps: 3, evalEvery: 0 });
    await train(page);
    const confirm = page.getByTestId('data-error-confirm');
    await expect(confirm).toContainText(fixture.expect as string);
    await expect(page.getByTestId('data-report')).toContainText('1 problem to fix first');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(page.getByTestId('run-row')).toHaveCount(0);

    await train(page);
    await page.getByTestId('train-anyway').click();
    await waitDone(page, 'max-steps', 60_000);
  });

  test('a file too large for the page is refused before it is read, saying how large', async ({ page }) => {
    await openApp(page);
    // A gzip header and a trailer claiming ~4 GiB uncompressed: judged by its size alone, never inflated.
    const fake = Buffer.alloc(64);
    fake.set([0x1f, 0x8b, 0x08, 0x00]);
    fake.writeUInt32LE(0xfff00000, 60);
    await page
      .getByTestId('dataset-upload')
      .setInputFiles({ name: 'huge.csv.gz', mimeType: 'application/gzip', buffer: fake });
    await expect(page.getByTestId('upload-error')).toContainText('this page can hold about');
    await expect(page.getByTestId('upload-error')).toContainText('huge.csv.gz');
  });

  test('dropped file, several tasks from one column, kept across a reload, then removed', async ({
    page,
  }) => {
    await openApp(page);
    const csv = ['age,rating,genre,split']
      .concat(
        Array.from({ length: 600 }, (_, i) => {
          const age = 15 + (i % 50);
          const rating = 1 + ((i * 7 + (age > 30 ? 1 : 0)) % 5);
          return `${age},${rating},g${i % 4},${['train', 'train', 'train', 'valid', 'test'][i % 5]}`;
        }),
      )
      .join('\n');
    const drop = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'ratings.csv', { type: 'text/csv' }));
      return dt;
    }, csv);
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: drop });
    await expect(page.getByTestId('upload-summary')).toContainText('600 rows × 4 columns');

    // Domains from age ranges; click = rating > 3 and like = rating > 4 from the same column.
    await page.getByRole('combobox', { name: 'Role of age' }).selectOption('domain');
    await page.getByTestId('domain-bins').fill('30, 45');
    await page.getByRole('combobox', { name: 'Column of the new task' }).selectOption('rating');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.getByRole('button', { name: 'Add task' }).click();
    const tasks = page.getByTestId('task-list');
    for (const [i, name, rule] of [
      [1, 'click', '> 3'],
      [2, 'like', '> 4'],
    ] as const) {
      await tasks.getByRole('textbox', { name: `Name of task ${i}` }).fill(name);
      await tasks.getByRole('textbox', { name: `Rule of task ${i}` }).fill(rule);
    }
    await expect(page.getByRole('combobox', { name: 'Role of split' })).toHaveValue('split');
    await page.getByTestId('check-data').click();
    const report = page.getByTestId('data-report');
    await expect(report).toContainText('3 domains × 2 tasks');
    for (const domain of ['<30', '30–44', '≥45'])
      await expect(page.getByTestId('cell-report')).toContainText(domain);

    // A reload reads the kept file again by itself (the address bar names it), with the mapping as it was.
    await page.reload();
    await page.getByTestId('view-mapping').click();
    await expect(page.getByTestId('upload-summary')).toContainText('600 rows');
    await expect(page.getByTestId('train-button')).toBeEnabled();
    await expect(page.getByTestId('domain-bins')).toHaveValue('30, 45');
    await expect(page.getByRole('textbox', { name: 'Rule of task 2' })).toHaveValue('> 4');

    await page.getByTestId('upload-summary').getByRole('button', { name: 'remove' }).click();
    // The page lets go of the file once the database has deleted it: reloading earlier could beat the delete.
    await expect(page.getByTestId('upload-summary')).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('dataset-tiny-two-domains')).toBeVisible();
    await expect(page.getByTestId('saved-upload')).toHaveCount(0);
  });

  test('a large upload can be cancelled while it is read', async ({ page }, testInfo) => {
    await openApp(page);
    const row = 'app,1,0,0.5,some text here,another field\n';
    const path = testInfo.outputPath('big.csv');
    writeFileSync(path, 'domain,click,buy,x,t1,t2\n' + row.repeat(2_500_000));
    await page.getByTestId('dataset-upload').setInputFiles(path);
    await expect(page.getByTestId('upload-progress')).toBeVisible();
    await page.getByTestId('upload-progress').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('upload-cancelled')).toBeVisible();
  });
});
