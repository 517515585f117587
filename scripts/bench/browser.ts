import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import type { PlannedRun } from '../../src/engine/experiment';
import { PROTOCOL_VERSION, type StartCommand, type WorkerEvent } from '../../src/workers/protocol';
import { serveStatic } from './serve';
import { BenchRecorder, type BenchData } from './summary';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';

const DIST = path.resolve(import.meta.dirname, '../../dist');

/** Trains through the real worker in headless Chromium (WebGPU via SwiftShader where no GPU exists). */
/** `notes`: the data's Check-data notes, kept in the summary. */
export async function runInBrowser(
  run: PlannedRun,
  data: BenchData,
  backend: string,
  notes: string[],
): Promise<Record<string, unknown>> {
  const exp = run.experiment;
  if (!existsSync(path.join(DIST, 'bench.html')))
    throw new Error('dist/bench.html is missing: run `npm run build` first');
  const { server, port } = await serveStatic(DIST, { '/__bench/data': data.path });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    let recorder: BenchRecorder | null = null;
    let doneEvent: Extract<WorkerEvent, { type: 'train' }>['event'] | null = null;
    const finished = new Promise<Record<string, unknown>>((resolve, reject) => {
      void page.exposeFunction('benchEvent', (e: WorkerEvent) => {
        if (e.type === 'backend') {
          recorder = new BenchRecorder(
            run.name,
            exp.model.id,
            exp.train.seed,
            {
              name: e.backend,
              adapter: e.adapter,
              threads: e.threads ?? null,
            },
            notes,
            data.oracle,
          );
          console.log(
            JSON.stringify({
              event: 'backend',
              backend: e.backend,
              adapter: e.adapter,
              fallbacks: e.fallbacks,
            }),
          );
        } else if (e.type === 'train') {
          recorder?.onEvent(e.event);
          if (e.event.type === 'done') doneEvent = e.event;
        } else if (e.type === 'profile') {
          if (!recorder || doneEvent?.type !== 'done')
            return reject(new Error('the run ended without a test pass'));
          const summary = recorder.summary(doneEvent, e.kernelsPerStep);
          console.log(JSON.stringify(summary));
          resolve(summary);
        } else if (e.type === 'error') reject(new Error(e.message));
      });
    });
    await page.goto(`http://127.0.0.1:${port}/bench.html`);
    const cmd: StartCommand = {
      type: 'start',
      version: PROTOCOL_VERSION,
      runId: `bench-${run.name}-${exp.train.seed}`,
      source: { kind: 'url', url: `http://127.0.0.1:${port}/__bench/data` },
      mapping: exp.data,
      model: exp.model,
      train: exp.train,
      backend: backend as StartCommand['backend'],
    };
    await page.evaluate((c) => window.startBench(c), cmd);
    return await finished;
  } finally {
    await browser.close();
    server.close();
  }
}
