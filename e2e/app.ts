/** What the specs do on the page, by test id: pick data, set fields, edit the experiment JSON, wait for a run. */
import { expect, type Page, type Worker } from '@playwright/test';

export async function openApp(page: Page): Promise<void> {
  await page.goto('./');
  await expect(page.getByTestId('dataset-tiny-two-domains')).toBeVisible();
}

export type StepId = 'data' | 'mapping' | 'model' | 'training' | 'compare';

/** Opens a setup step of the side column (one is open at a time) unless it is open already. */
export async function openStep(page: Page, step: StepId): Promise<void> {
  const toggle = page.getByTestId(`step-${step}-toggle`);
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
}

export async function selectModel(page: Page, id: string): Promise<void> {
  await openStep(page, 'model');
  await page.getByTestId('model-select').selectOption(id);
}

export async function selectBackend(page: Page, backend: string): Promise<void> {
  await openStep(page, 'training');
  await page.getByTestId('backend-select').selectOption(backend);
}

export async function setTrain(page: Page, values: Record<string, number>): Promise<void> {
  await openStep(page, 'training');
  for (const [key, value] of Object.entries(values))
    await page.getByTestId(`train-${key}`).fill(String(value));
}

/** Replaces the experiment with `edit(current)` through the JSON panel and presses Apply. */
export async function applyJson(page: Page, edit: (exp: Experiment) => void): Promise<void> {
  const box = page.getByTestId('experiment-json');
  if (!(await box.isVisible())) await page.getByTestId('experiment-json-toggle').click();
  const exp = JSON.parse(await box.inputValue()) as Experiment;
  edit(exp);
  await box.fill(JSON.stringify(exp, null, 2));
  await page.getByTestId('apply-json').click();
}

/** The parts of the experiment JSON the specs edit. */
export interface Experiment {
  data: { dataset?: string; domain: string; tasks: { name: string; column: string; rule: string }[] };
  model: { id: string; options: Record<string, unknown> };
  train: Record<string, number>;
}

export async function train(page: Page): Promise<void> {
  await page.getByTestId('train-button').click();
}

export async function stepCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('run-step').textContent());
}

/** Waits for the run to end with an error and returns the message box text. */
export async function runError(page: Page): Promise<string> {
  await expect(page.getByTestId('run-status')).toHaveText('error', { timeout: 60_000 });
  return (await page.getByTestId('error-message').textContent()) ?? '';
}

export async function waitDone(page: Page, reason: string, timeout = 90_000): Promise<void> {
  await expect(page.getByTestId('done-reason')).toHaveAttribute('data-reason', reason, { timeout });
}

/** Waits until the run list holds `count` runs, every one finished. */
export async function waitRunsDone(page: Page, count: number, timeout = 90_000): Promise<void> {
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(count, { timeout });
  await expect(page.locator('[data-testid="run-row"][data-status="done"]')).toHaveCount(count, { timeout });
}

/** The worker of the current run (the data and link workers have other URLs). */
export async function trainWorker(page: Page): Promise<Worker> {
  const find = () => page.workers().find((w) => w.url().includes('train.worker'));
  await expect.poll(() => find() !== undefined, { timeout: 30_000 }).toBe(true);
  return find() as Worker;
}

/** A small two-task CSV: domain `country` (3 values), features, tasks `clicked` and `bought`, a split column. */
export function shopCsv(rows = 900): string {
  const lines = ['country,device,price,clicked,bought,split'];
  for (let i = 0; i < rows; i++) {
    const country = ['nl', 'fr', 'de'][i % 3];
    const device = ['ios', 'android', 'web'][Math.floor(i / 3) % 3];
    const price = (10 + ((i * 37) % 90)).toFixed(1);
    const clicked = device === 'ios' || (i * 13) % 4 === 0 ? 1 : 0;
    const bought = clicked && i % 7 < 4 ? 1 : 0;
    lines.push(
      [country, device, price, clicked, bought, ['train', 'train', 'train', 'valid', 'test'][i % 5]].join(
        ',',
      ),
    );
  }
  return lines.join('\n');
}
