/**
 * npm run bench -- --smoothness [--model mmoe] [--backend auto] [--steps 300] [--eval-every 10] [--dataset <id>]
 *                               [--dir /tmp/moe-smoothness-bench]
 *
 * Is the page still smooth while a run trains? Headless Chromium with the e2e flags opens the built app
 * (`vite build` into --dir/site when the sources are newer), picks a bundled dataset and a model, sets the run to
 * --steps steps with a live evaluation every --eval-every steps, presses Train and waits for the run to end. The
 * upload benchmark's in-page probe records animation frames and the main thread's long tasks; measured from the
 * Train click to the done marker: frames per second, the longest gap between two frames, the longest main-thread
 * task and the number of long tasks (≥ 50 ms); the same for 5 s of the idle page just before, as this run's
 * baseline. Prints one JSON line (with the load average) and, with --markdown, a table row.
 */
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';
import { serveStatic } from './serve';
import { ensureSite, phaseStats } from './upload';
import { installProbe, type ProbeData, type ProbeSelectors } from './upload/pageProbe';

// The probe's upload marks are not used here: selectors that match nothing on the page.
const NO_UPLOAD: ProbeSelectors = {
  input: '#none',
  summary: '#none',
  error: '#none',
  checkButton: '#none',
  report: '#none',
  checkError: '#none',
};

interface SmoothnessArgs {
  model: string;
  backend: string;
  steps: number;
  evalEvery: number;
  dataset: string;
  dir: string;
  markdown: boolean;
}

function parseArgs(argv: string[]): SmoothnessArgs {
  const args: SmoothnessArgs = {
    model: 'mmoe',
    backend: 'auto',
    steps: 300,
    evalEvery: 10,
    dataset: 'three-domains-two-tasks',
    dir: '/tmp/moe-smoothness-bench',
    markdown: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const count = (name: string): number => {
      const n = Number(value());
      if (!(Number.isInteger(n) && n > 0)) throw new Error(`${name} must be a positive integer`);
      return n;
    };
    switch (argv[i]) {
      case '--smoothness':
        break;
      case '--model':
        args.model = value();
        break;
      case '--backend':
        args.backend = value();
        break;
      case '--steps':
        args.steps = count('--steps');
        break;
      case '--eval-every':
        args.evalEvery = count('--eval-every');
        break;
      case '--dataset':
        args.dataset = value();
        break;
      case '--dir':
        args.dir = value();
        break;
      case '--markdown':
        args.markdown = true;
        break;
      default:
        throw new Error(`--smoothness: unknown argument ${argv[i]}`);
    }
  }
  return args;
}

export async function smoothnessBench(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const site = path.join(args.dir, 'site');
  ensureSite(site, true);
  const { server, port } = await serveStatic(site);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const loadBefore = os.loadavg()[0];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // As source text with a stand-in for the `__name` helper that tsx's esbuild adds to named functions.
    await page.addInitScript({
      content: `var __name = (f) => f; (${installProbe.toString()})(${JSON.stringify(NO_UPLOAD)});`,
    });
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.getByTestId(`dataset-${args.dataset}`).click();
    await page.getByTestId('model-select').selectOption(args.model);
    await page.getByTestId('backend-select').selectOption(args.backend);
    for (const [key, v] of Object.entries({ maxSteps: args.steps, evalEvery: args.evalEvery }))
      await page.getByTestId(`train-${key}`).fill(String(v));
    // The same page idle for 5 s first: the baseline of this machine, at this load, in this run.
    const idleFrom = await page.evaluate(() => performance.now());
    await page.waitForTimeout(5000);
    const start = await page.evaluate(() => performance.now());
    await page.getByTestId('train-button').click();
    await page.getByTestId('done-reason').waitFor({ state: 'attached', timeout: 30 * 60_000 });
    const end = await page.evaluate(() => performance.now());
    await page.waitForTimeout(500); // a long task is reported after it ends
    const probe = (await page.evaluate(() => window.__uploadProbe ?? null)) as ProbeData | null;
    if (!probe) throw new Error('the page probe did not start');
    const stats = phaseStats(probe, start, end);
    const idle = phaseStats(probe, idleFrom, start);
    const threads = page.getByTestId('backend-threads'); // shown only for WASM with threads
    const result = {
      event: 'smoothness',
      model: args.model,
      backend: (await page.getByTestId('backend-name').textContent()) ?? args.backend,
      threads: (await threads.count()) ? ((await threads.textContent()) ?? '').replace(/^\W+/, '') : null,
      dataset: args.dataset,
      maxSteps: args.steps,
      stepsRun: Number(await page.getByTestId('run-step').textContent()),
      evalEvery: args.evalEvery,
      doneReason: await page.getByTestId('done-reason').getAttribute('data-reason'),
      seconds: Number(stats.seconds.toFixed(1)),
      fps: Number(stats.fps.toFixed(1)),
      maxFrameGapMs: Math.round(stats.maxFrameGapMs),
      longestTaskMs: Math.round(stats.longestTaskMs),
      longTasks: stats.longTasks,
      idle: {
        fps: Number(idle.fps.toFixed(1)),
        maxFrameGapMs: Math.round(idle.maxFrameGapMs),
        longestTaskMs: Math.round(idle.longestTaskMs),
      },
      loadAverage: [loadBefore, os.loadavg()[0]],
    };
    console.log(JSON.stringify(result));
    if (args.markdown)
      console.log(
        `| ${result.model} | ${result.backend} | ${result.stepsRun} / ${result.evalEvery} | ${result.seconds} | ${result.fps} | ${result.maxFrameGapMs} | ${result.longestTaskMs} (${result.longTasks}) | ${result.idle.fps} / ${result.idle.maxFrameGapMs} / ${result.idle.longestTaskMs} | ${result.loadAverage.map((l) => l.toFixed(1)).join('–')} |`,
      );
  } finally {
    await browser.close();
    server.close();
  }
}
