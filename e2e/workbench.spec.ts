import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openApp, openStep, selectBackend, selectModel, setTrain, shopCsv, train, waitDone } from './app';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
] as const;

/**
 * Elements wider inside than their box (1 px of rounding allowed): anything that scrolls sideways, or spills.
 * Two kinds of element are not CSS boxes that could: the shapes and texts inside an SVG, and the zero-size
 * wrapper recharts measures its chart in (width 0, overflow visible), when its parent holds the chart.
 */
async function sidewaysScrollers(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('*')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .filter((e) => !(e instanceof SVGElement && !(e instanceof SVGSVGElement)))
      .filter((e) => {
        const parent = e.parentElement;
        const zeroWrapper = e.clientWidth === 0 && getComputedStyle(e).overflowX === 'visible';
        return !(zeroWrapper && parent && parent.scrollWidth <= parent.clientWidth + 1);
      })
      .map((e) => {
        const id = e.getAttribute('data-testid');
        const cls = e.getAttribute('class') ?? '';
        return `${e.tagName.toLowerCase()}${id ? `[${id}]` : ''}.${cls} ${e.scrollWidth} > ${e.clientWidth}`;
      }),
  );
}

async function expectInViewport(page: Page, locator: Locator, what: string): Promise<void> {
  const { width, height } = page.viewportSize()!;
  const box = await locator.boundingBox();
  expect(box, `${what} is laid out`).not.toBeNull();
  expect(box!.x, `${what} left`).toBeGreaterThanOrEqual(0);
  expect(box!.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} right`).toBeLessThanOrEqual(width);
  expect(box!.y + box!.height, `${what} bottom`).toBeLessThanOrEqual(height);
}

/** The run view's first screen: the loss chart, every AUC cell chart and the first gate heatmap. */
async function expectChartsInFirstScreen(page: Page): Promise<void> {
  await expectInViewport(page, page.getByTestId('loss-chart').locator('svg.recharts-surface'), 'loss chart');
  const cells = page.locator('[data-testid^="auc-cell-"] svg.recharts-surface');
  expect(await cells.count()).toBe(6);
  for (let i = 0; i < 6; i++) await expectInViewport(page, cells.nth(i), `AUC cell chart ${i}`);
  await expectInViewport(page, page.locator('canvas[data-testid^="gate-heatmap-"]').first(), 'gate heatmap');
}

/** Every size: nothing scrolls sideways; `check` runs at each size too. */
async function atEverySize(page: Page, where: string, check?: () => Promise<void>): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await expect
      .poll(() => sidewaysScrollers(page), { message: `${where} at ${size.width}×${size.height}` })
      .toEqual([]);
    await check?.();
  }
}

test.describe('the workbench', () => {
  test('layout at 1280×720 and 1440×900: results in the first screen, setup folded, nothing scrolls sideways; charts saved', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await page.setViewportSize(SIZES[0]);
    await openApp(page);
    await page.getByTestId('dataset-five-domains-three-tasks').click();
    await atEverySize(page, 'the data step with the five-domain stats table');
    for (const step of ['model', 'training', 'compare'] as const) {
      await openStep(page, step);
      await atEverySize(page, `the ${step} step`);
    }

    await openStep(page, 'data');
    await page.getByTestId('dataset-tiny-two-domains').click();
    await selectModel(page, 'mmoe');
    await selectBackend(page, 'wasm');
    await setTrain(page, { batchSize: 64, maxSteps: 12, evalEvery: 4, liveEvalRows: 256 });
    await train(page);
    // Train folds the setup to its summaries.
    await expect(page.locator('[data-testid^="step-"][data-open="true"]')).toHaveCount(0);
    await expect(page.getByTestId('step-training-summary')).toContainText('batch 64');
    await expect(page.getByTestId('auc-cell-0-0').locator('svg.recharts-surface')).toBeVisible();
    await atEverySize(page, 'the run view at its first evaluation', () => expectChartsInFirstScreen(page));
    await waitDone(page, 'max-steps');
    await atEverySize(page, 'the finished run', () => expectChartsInFirstScreen(page));
    // One run: nothing to compare yet.
    await expect(page.getByTestId('view-compare')).toHaveCount(0);

    // Axes: titled, in steps or in epochs; the loss smoothed (raw curves kept faint) and on a log scale.
    const loss = page.getByTestId('loss-chart');
    await expect(loss.locator('.recharts-label')).toContainText(['training step', 'BCE loss, nats']);
    await expect(page.getByTestId('auc-cell-all-0').locator('.recharts-label')).toContainText([
      'training step',
      'valid AUC',
    ]);
    await page.getByTestId('x-epoch').click();
    await expect(loss.locator('.recharts-label').first()).toContainText('epoch (37 steps each)');
    const lines = await loss.locator('path.recharts-line-curve').count();
    await page.getByTestId('loss-smoothing').selectOption('0.9');
    await expect(loss.locator('path.recharts-line-curve')).toHaveCount(2 * lines);
    await page.getByTestId('loss-log').check();
    await expect(loss.locator('.recharts-label')).toContainText(['BCE loss, nats (log)']);
    await expect(page.getByTestId('loss-equation')).toContainText('total = Σ_t BCE_t');
    // The AUC cells share one y-axis; each names its oracle ceiling and the gap to it.
    const yTicks = page.locator(
      '[data-testid^="auc-cell-"] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
    );
    const ticks = await yTicks.allTextContents();
    expect(ticks.length % 6).toBe(0);
    expect(ticks.length).toBeGreaterThanOrEqual(12);
    const first = ticks.slice(0, ticks.length / 6);
    expect(ticks).toEqual(Array(6).fill(first).flat());
    expect(new Set(first).size).toBe(first.length);
    await expect(page.getByTestId('auc-cell-0-0-gap')).toHaveText(/^ oracle 0\.\d{3} · gap [+−]0\.\d{3}$/);

    // Saved as PNG and SVG: the panel as on screen.
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-training-loss-png').click(),
    ]);
    expect(png.suggestedFilename()).toBe('training-loss.png');
    const pngBytes = readFileSync(await png.path());
    expect(pngBytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // Twice the panel's CSS width (big-endian width at byte 16).
    const panelWidth = (await loss.boundingBox())!.width;
    expect(Math.abs(pngBytes.readUInt32BE(16) - 2 * Math.ceil(panelWidth))).toBeLessThanOrEqual(2);
    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-validation-auc-svg').click(),
    ]);
    const svgText = readFileSync(await svg.path(), 'utf8');
    expect(svgText.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svgText.match(/class="recharts-surface"/g)).toHaveLength(6);
    expect(svgText).toContain('>click · app<');
    expect(svgText).not.toContain('>PNG<');
    const [gates] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-gate-weights-svg').click(),
    ]);
    expect(readFileSync(await gates.path(), 'utf8')).toMatch(/<image [^>]*href="data:image\/png;base64,/);

    // A second run: Compare is shown, its table and curves fit.
    await setTrain(page, { seed: 2 });
    await train(page);
    await waitDone(page, 'max-steps');
    await page.getByTestId('view-compare').click();
    await expect(page.getByTestId('compare-table')).toBeVisible();
    await atEverySize(page, 'the compare view');

    // An upload's mapping table, in the main area.
    await openStep(page, 'data');
    await page
      .getByTestId('dataset-upload')
      .setInputFiles({ name: 'shop.csv', mimeType: 'text/csv', buffer: Buffer.from(shopCsv()) });
    await expect(page.getByTestId('view-mapping')).toHaveAttribute('aria-selected', 'true');
    await page.getByTestId('check-data').click();
    await expect(page.getByTestId('data-report')).toBeVisible();
    await atEverySize(page, 'the mapping view');
    await page.setViewportSize(SIZES[1]);
    await page.getByTestId('upload-mapping').evaluate((el) => el.scrollIntoView());
    // The README's picture of the mapping view, refreshed on request only.
    await page.screenshot({
      path: process.env.UPDATE_SCREENSHOT ? 'docs/mapping.png' : test.info().outputPath('mapping.png'),
    });
  });

  test('forms: every invalid field marked at once, in words; limits a browser can run; reset to defaults', async ({
    page,
  }) => {
    await openApp(page);
    await setTrain(page, { batchSize: 1_000_000, learningRate: 0 });
    await page.getByTestId('train-epochs').fill('three');
    await expect(page.getByTestId('train-epochs-problem')).toHaveText(
      'Epochs must be a whole number from 1 to 1,000',
    );
    await expect(page.getByTestId('train-batchSize-problem')).toContainText(
      'Batch size must be a whole number from 1 to 65,536',
    );
    await expect(page.getByTestId('train-learningRate-problem')).toHaveText(
      'Learning rate must be a number above 0 and at most 1',
    );
    await expect(page.getByTestId('train-batchSize')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('step-training-problems')).toHaveText('3 to fix');
    await expect(page.getByTestId('train-button')).toBeDisabled();
    await expect(page.getByTestId('experiment-problems').locator('li')).toHaveCount(3);

    await selectModel(page, 'mmoe');
    await page.getByTestId('option-experts').fill('0');
    await expect(page.getByTestId('option-experts-problem')).toHaveText(
      /^Experts must be a whole number from 1 to \d+$/,
    );
    await expect(page.getByTestId('experiment-problems').locator('li')).toHaveCount(4);
    await page.getByTestId('reset-model').click();
    await expect(page.getByTestId('option-experts-problem')).toHaveCount(0);
    await expect(page.getByTestId('reset-model')).toBeDisabled();

    await openStep(page, 'training');
    await page.getByTestId('reset-train').click();
    await expect(page.locator('.field-problem')).toHaveCount(0);
    await expect(page.getByTestId('train-batchSize')).toHaveValue('1024');
    await expect(page.getByTestId('train-button')).toBeEnabled();
  });

  test('keyboard only: upload and train; a reload restores the kept upload and shows a run it cut short as interrupted', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await page.setViewportSize(SIZES[0]);
    await openApp(page);

    /** Presses Tab until `target` has the focus, checking that every control passed on the way shows it. */
    const tabTo = async (target: Locator): Promise<void> => {
      for (let i = 0; i < 200; i++) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          return {
            what: `${el.tagName} ${el.getAttribute('data-testid') ?? el.textContent?.slice(0, 30) ?? ''}`,
            visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
          };
        });
        if (focus) expect(focus.visible, `visible focus on ${focus.what}`).toBe(true);
        if (await target.evaluate((el) => el === document.activeElement)) return;
      }
      throw new Error('Tab never reached the control');
    };
    const type = async (testId: string, value: string) => {
      await tabTo(page.getByTestId(testId));
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type(value);
    };

    await tabTo(page.getByTestId('dataset-upload-button'));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles({ name: 'shop.csv', mimeType: 'text/csv', buffer: Buffer.from(shopCsv()) });
    await expect(page.getByTestId('upload-summary')).toContainText('900 rows × 6 columns');

    await tabTo(page.getByTestId('step-training-toggle'));
    await page.keyboard.press('Enter');
    await type('train-batchSize', '64');
    await type('train-maxSteps', '8');
    await type('train-evalEvery', '4');
    await tabTo(page.getByTestId('train-button'));
    await page.keyboard.press('Enter');
    await waitDone(page, 'max-steps');
    await expect(page.getByTestId('auc-cell-0-0').locator('svg.recharts-surface')).toBeVisible();

    // A reload: the kept file is read again by itself, and Train is ready without a click.
    await page.reload();
    await expect(page.getByTestId('step-data-summary')).toHaveText('shop.csv · 900 rows × 6 columns');
    await expect(page.getByTestId('train-button')).toBeEnabled();
    await expect(page.getByTestId('pending-upload')).toHaveCount(0);

    // A long run, reloaded in its middle: listed as interrupted, with what it had measured.
    await setTrain(page, { batchSize: 32, maxSteps: 0, epochs: 50, evalEvery: 4, patience: 0 });
    await train(page);
    await expect(page.getByTestId('auc-cell-0-0').locator('svg.recharts-surface')).toBeVisible({
      timeout: 60_000,
    });
    await page.waitForTimeout(3500);
    await page.reload();
    const cut = page.locator('[data-testid="run-row"][data-status="interrupted"]');
    await expect(cut).toHaveCount(1);
    await expect(page.locator('[data-testid="run-row"][data-status="done"]')).toHaveCount(1);
    await cut.getByTestId('run-select').click();
    await expect(page.getByTestId('run-interrupted')).toContainText('interrupted');
    expect(await page.getByTestId('loss-chart').locator('path.recharts-line-curve').count()).toBeGreaterThan(
      0,
    );
    await expect(page.getByTestId('run-status')).toHaveText('interrupted');
    await expect(page.getByTestId('stop-button')).toBeDisabled();
  });
});
