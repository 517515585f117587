/**
 * Runtime faults, end to end: each ends the run with a message naming the fault, keeps what the run measured,
 * and leaves the page able to train again. The faults are caused from outside the page, through Playwright's
 * access to the training worker (CDP): tfjs keeps its engine on the worker's global object (`_tfengine`), so
 * the test reaches the real WebGPU device or WebGL context; nothing in the app exposes a way to do it, and no
 * page script can reach a worker's globals.
 */
import { expect, test, type Page, type Worker } from '@playwright/test';
import { openApp, selectBackend, setTrain, train, trainWorker, waitDone } from './app';

/** Starts a long run on `backend` that evaluates every 2 steps, and waits for its first evaluation. */
async function trainUntilEvaluated(page: Page, backend: string): Promise<Worker> {
  await openApp(page);
  await page.getByTestId('dataset-tiny-two-domains').click();
  await selectBackend(page, backend);
  await setTrain(page, {
    batchSize: 64,
    epochs: 50,
    maxSteps: 0,
    evalEvery: 2,
    liveEvalRows: 64,
    patience: 0,
  });
  await train(page);
  await expect(page.getByTestId('cell-0-0-auc')).toBeVisible({ timeout: 90_000 });
  return trainWorker(page);
}

/** The run ended with `message`, its evaluation still shown, and the page trains a fresh run to the end. */
async function endedKeepingResults(page: Page, status: string, message: string | RegExp): Promise<void> {
  await expect(page.getByTestId('run-status')).toHaveText(status, { timeout: 30_000 });
  const box = page.getByTestId('error-message');
  await expect(box).toContainText(message);
  await expect(box).toContainText('are kept below');
  await expect(page.getByTestId('cell-0-0-auc')).toBeVisible();
  await selectBackend(page, 'wasm');
  await setTrain(page, { epochs: 1, maxSteps: 3, evalEvery: 0 });
  await train(page);
  await waitDone(page, 'max-steps', 60_000);
}

test.describe('runtime faults end the run with a message and keep its results', () => {
  test('a WebGPU device lost mid-run', async ({ page }) => {
    const worker = await trainUntilEvaluated(page, 'webgpu');
    await worker.evaluate(() => {
      const engine = (self as unknown as { _tfengine: { backend: { device: { destroy(): void } } } })
        ._tfengine;
      engine.backend.device.destroy();
    });
    await endedKeepingResults(page, 'error', /the GPU device was lost \(.*\); the run stopped/);
  });

  test('WebGPU out of memory, as the device reports it', async ({ page }) => {
    const worker = await trainUntilEvaluated(page, 'webgpu');
    // SwiftShader would exhaust this machine's memory before its own; the error event is the device's own kind.
    await worker.evaluate(() => {
      const engine = (self as unknown as { _tfengine: { backend: { device: EventTarget } } })._tfengine;
      const scope = self as unknown as {
        GPUOutOfMemoryError: new (message: string) => object;
        GPUUncapturedErrorEvent: new (type: string, init: { error: object }) => Event;
      };
      const error = new scope.GPUOutOfMemoryError('injected: not enough memory left');
      engine.backend.device.dispatchEvent(new scope.GPUUncapturedErrorEvent('uncapturederror', { error }));
    });
    await endedKeepingResults(
      page,
      'error',
      'the GPU ran out of memory (injected: not enough memory left): lower train.batchSize',
    );
  });

  test('a WebGL context lost mid-run', async ({ page }) => {
    const worker = await trainUntilEvaluated(page, 'webgl');
    await worker.evaluate(() => {
      const engine = (
        self as unknown as { _tfengine: { backend: { gpgpu: { gl: WebGL2RenderingContext } } } }
      )._tfengine;
      engine.backend.gpgpu.gl.getExtension('WEBGL_lose_context')?.loseContext();
    });
    await endedKeepingResults(page, 'error', 'the WebGL context was lost');
  });

  test('an exception thrown in the worker outside the run', async ({ page }) => {
    const worker = await trainUntilEvaluated(page, 'wasm');
    await worker.evaluate(() => {
      setTimeout(() => {
        throw new Error('injected fault');
      }, 0);
    });
    await endedKeepingResults(page, 'error', 'the training worker failed: injected fault');
  });

  test('Stop during a step that never ends: the worker is ended and the run is "stopped"', async ({
    page,
  }) => {
    const worker = await trainUntilEvaluated(page, 'wasm');
    // The worker's thread busy for a minute, as in a step that never returns; ended with the worker.
    void worker
      .evaluate(() => {
        const end = Date.now() + 60_000;
        while (Date.now() < end);
      })
      .catch(() => undefined);
    const stoppedAt = Date.now();
    await page.getByTestId('stop-button').click();
    await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 30_000 });
    console.log(`the run was "stopped" ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after Stop`);
    await endedKeepingResults(
      page,
      'stopped',
      "Stop: the run's worker did not answer (a step was still running) within 5 s",
    );
  });
});
