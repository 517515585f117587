import { expect, test } from '@playwright/test';
import { openApp, selectBackend, selectModel, setTrain, stepCount, train, waitDone } from './app';

test('pause holds the step count, resume continues, stop ends the run as "stopped"', async ({ page }) => {
  // SwiftShader compiles WebGPU shaders on the CPU before the first step: slow on a loaded machine.
  test.setTimeout(300_000);
  await openApp(page);
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectModel(page, 'mmoe');
  // WebGPU under SwiftShader is slow enough (~0.4 s a step) to watch a run step by step.
  await selectBackend(page, 'webgpu');
  await setTrain(page, { batchSize: 64, epochs: 50, maxSteps: 0, evalEvery: 0, patience: 0 });
  await train(page);

  await expect.poll(() => stepCount(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // The step in flight when Pause arrived may still finish and report: let it.
  await page.waitForTimeout(1500);
  const paused = await stepCount(page);
  await page.waitForTimeout(2000);
  expect(await stepCount(page)).toBe(paused);

  await page.getByTestId('resume-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('training');
  await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBeGreaterThan(paused);

  await page.getByTestId('stop-button').click();
  await waitDone(page, 'stopped', 60_000);
  await expect(page.getByTestId('run-status')).toHaveText('done');
  await expect(page.getByTestId('train-button')).toBeEnabled();
  // Stopped before its first epoch ended: its test metrics are the last step's, and it says so.
  await expect(page.getByTestId('weights-from')).toHaveAttribute('data-kind', 'last');
  await expect(page.getByTestId('run-epoch')).toHaveText('0');

  // The same configuration and seed again would only copy the numbers (and count as a second seed): refused.
  await train(page);
  await expect(page.getByTestId('error-message')).toContainText('repeats the listed run');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
});
