import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { chromium } from '@playwright/test';
import type { PlannedRun } from '../../src/engine/experiment';
import { PROTOCOL_VERSION, type StartCommand, type WorkerEvent } from '../../src/workers/protocol';
import { BenchRecorder } from './summary';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';

const DIST = path.resolve(import.meta.dirname, '../../dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

/** Serves the built site, plus the experiment's data file at /__bench/data. */
function serve(dataPath: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = url.pathname === '/__bench/data' ? dataPath : path.join(DIST, decodeURIComponent(url.pathname));
    if (!file.startsWith(DIST) && file !== dataPath) return void res.writeHead(403).end();
    if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** Trains through the real worker in headless Chromium (WebGPU via SwiftShader where no GPU exists). */
export async function runInBrowser(run: PlannedRun, dataPath: string, backend: string): Promise<Record<string, unknown>> {
  const exp = run.experiment;
  if (!existsSync(path.join(DIST, 'bench.html'))) throw new Error('dist/bench.html is missing: run `npm run build` first');
  const { server, port } = await serve(dataPath);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    let recorder: BenchRecorder | null = null;
    let doneEvent: Extract<WorkerEvent, { type: 'train' }>['event'] | null = null;
    const finished = new Promise<Record<string, unknown>>((resolve, reject) => {
      void page.exposeFunction('benchEvent', (e: WorkerEvent) => {
        if (e.type === 'backend') {
          recorder = new BenchRecorder(run.name, exp.model.id, exp.train.seed, { name: e.backend, adapter: e.adapter });
          console.log(JSON.stringify({ event: 'backend', backend: e.backend, adapter: e.adapter, fallbacks: e.fallbacks }));
        } else if (e.type === 'train') {
          recorder?.onEvent(e.event);
          if (e.event.type === 'done') doneEvent = e.event;
        } else if (e.type === 'profile') {
          if (!recorder || doneEvent?.type !== 'done') return reject(new Error('the run ended without a test pass'));
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
