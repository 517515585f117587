/**
 * npm run bench -- --smoothness [--model mmoe] [--backend auto] [--steps 300] [--eval-every 10] [--dataset <id>]
 *                               [--dir /tmp/moe-smoothness-bench] [--profile]
 *
 * Is the page still smooth while a run trains? Headless Chromium with the e2e flags opens the built app
 * (`vite build` into --dir/site when the sources are newer), picks a bundled dataset and a model, sets the run to
 * --steps steps with a live evaluation every --eval-every steps, presses Train and waits for the run to end. The
 * upload benchmark's in-page probe records animation frames and the main thread's long tasks; measured from the
 * Train click to the done marker: frames per second, the longest gap between two frames, the longest main-thread
 * task and the number of long tasks (≥ 50 ms); the same for 5 s of the idle page just before, as this run's
 * baseline. The page's own cost, independent of how much CPU the worker and the machine leave it: the main
 * thread's CPU time in tasks (Chrome's Performance metrics in thread ticks) per second, and the style
 * recalculations and layouts per second. --profile builds the site unminified (into --dir/site-dev) and prints the
 * main thread's functions with the most self time while training (a CPU profile, 1 ms sampling).
 * Prints one JSON line (with the load average) and, with --markdown, a table row.
 */
import os from 'node:os';
import path from 'node:path';
import { chromium, type CDPSession } from '@playwright/test';
import { selectBackend, selectModel, setTrain } from '../../e2e/app';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';
import { serveStatic } from './serve';
import { ensureSite, phaseStats } from './upload';
import { selfTimes, type CpuProfile } from './upload/memory';
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
  profile: boolean;
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
    profile: false,
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
      case '--profile':
        args.profile = true;
        break;
      default:
        throw new Error(`--smoothness: unknown argument ${argv[i]}`);
    }
  }
  return args;
}

/** Chrome's cumulative main-thread counters; durations in seconds of the thread's own CPU time (threadTicks). */
type Metrics = Record<'TaskDuration' | 'ScriptDuration' | 'RecalcStyleCount' | 'LayoutCount', number>;

async function metrics(cdp: CDPSession): Promise<Metrics> {
  const r = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const get = (name: keyof Metrics): number => r.metrics.find((m) => m.name === name)?.value ?? NaN;
  return {
    TaskDuration: get('TaskDuration'),
    ScriptDuration: get('ScriptDuration'),
    RecalcStyleCount: get('RecalcStyleCount'),
    LayoutCount: get('LayoutCount'),
  };
}

/** The page's own work per second of the phase: CPU ms in tasks and in script, style recalculations, layouts. */
function costPerSecond(from: Metrics, to: Metrics, seconds: number) {
  const per = (k: keyof Metrics, scale: number): number =>
    Number((((to[k] - from[k]) * scale) / seconds).toFixed(1));
  return {
    taskCpuMsPerS: per('TaskDuration', 1000),
    scriptCpuMsPerS: per('ScriptDuration', 1000),
    styleRecalcsPerS: per('RecalcStyleCount', 1),
    layoutsPerS: per('LayoutCount', 1),
  };
}

export async function smoothnessBench(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  // Unminified for the profile, to name the functions.
  const site = path.join(args.dir, args.profile ? 'site-dev' : 'site');
  ensureSite(site, !args.profile);
  const { server, port } = await serveStatic(site);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const loadBefore = os.loadavg()[0];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // As source text with a stand-in for the `__name` helper that tsx's esbuild adds to named functions.
    await page.addInitScript({
      content: `var __name = (f) => f; (${installProbe.toString()})(${JSON.stringify(NO_UPLOAD)});`,
    });
    const cdp = await page.context().newCDPSession(page);
    // Thread ticks: the durations count the main thread's own CPU time, not the time it waited for a core.
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.getByTestId(`dataset-${args.dataset}`).click();
    await selectModel(page, args.model);
    await selectBackend(page, args.backend);
    await setTrain(page, { maxSteps: args.steps, evalEvery: args.evalEvery });
    // The same page idle for 5 s first: the baseline of this machine, at this load, in this run.
    const idleFrom = await page.evaluate(() => performance.now());
    const idleMetrics = await metrics(cdp);
    await page.waitForTimeout(5000);
    const start = await page.evaluate(() => performance.now());
    const startMetrics = await metrics(cdp);
    if (args.profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
    }
    await page.getByTestId('train-button').click();
    await page.getByTestId('done-reason').waitFor({ state: 'attached', timeout: 30 * 60_000 });
    const end = await page.evaluate(() => performance.now());
    const endMetrics = await metrics(cdp);
    if (args.profile) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
      console.error(`main thread while training, self time:\n${selfTimes(profile, 40).join('\n')}`);
    }
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
      ...costPerSecond(startMetrics, endMetrics, stats.seconds),
      idle: {
        fps: Number(idle.fps.toFixed(1)),
        maxFrameGapMs: Math.round(idle.maxFrameGapMs),
        longestTaskMs: Math.round(idle.longestTaskMs),
        ...costPerSecond(idleMetrics, startMetrics, idle.seconds),
      },
      loadAverage: [loadBefore, os.loadavg()[0]],
    };
    console.log(JSON.stringify(result));
    if (args.markdown)
      console.log(
        `| ${result.model} | ${result.backend} | ${result.stepsRun} / ${result.evalEvery} | ${result.seconds} | ${result.fps} | ${result.maxFrameGapMs} | ${result.longestTaskMs} (${result.longTasks}) | ${result.taskCpuMsPerS} / ${result.scriptCpuMsPerS} | ${result.styleRecalcsPerS} / ${result.layoutsPerS} | ${result.idle.fps} / ${result.idle.maxFrameGapMs} / ${result.idle.longestTaskMs} / ${result.idle.taskCpuMsPerS} | ${result.loadAverage.map((l) => l.toFixed(1)).join('–')} |`,
      );
  } finally {
    await browser.close();
    server.close();
  }
}
