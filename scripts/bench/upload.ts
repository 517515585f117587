/**
 * npm run bench -- --upload [--rows 1000000[,250000…]] [--columns 40] [--gzip] [--markdown]
 *                           [--dir /tmp/moe-upload-bench] [--dist <built site>] [--timeout-s 1800] [--profile] [--gc]
 *
 * Uploads a synthetic CSV (the project's generator, written streamed to --dir; an earlier run's file is reused)
 * through the real page: headless Chromium with the e2e flags opens the built app, sets the file on the file input
 * (data-testid="dataset-upload") as a person picking it would, waits for the upload summary (parsed and profiled in
 * the data worker), clicks "Reset to the proposal" (so every column is mapped as the engine proposes), then
 * "Check data", and waits for the report (the mapping encoded in the worker).
 * Measured: parse and encode seconds (in-page clock, from the input's change event to the summary and from the
 * click to the report), rows/s over both, the peak heap of the data worker and of the page (CDP, sampled every
 * 100 ms), the renderer's peak RSS, the main thread's longest task and long animation frames, and animation
 * frames per second while the worker works (does the page keep drawing?).
 *
 * The site is built with `vite build` into <dir>/site when the sources are newer than that build (so dist/ is not
 * touched); --dist uses an already built site as it is. --profile records a CPU profile of the data worker (on a
 * build without minification, in <dir>/site-profile) and prints its functions with the most self time; the
 * profiler slows the worker, so take the timings from a run without it. --gc forces a garbage collection in the
 * data worker between parsing and the check and reports what it retains (the encode peak then starts from there).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium';
import { serveStatic } from './serve';
import { MemorySampler, peakOf, type HeapSample, type Peak } from './upload/memory';
import { installProbe, type ProbeData, type ProbeEntry, type ProbeSelectors } from './upload/pageProbe';
import { benchFile, type BenchFile } from './upload/synthCsv';

const ROOT = path.resolve(import.meta.dirname, '../..');

const SELECTORS: ProbeSelectors = {
  input: '[data-testid="dataset-upload"]',
  summary: '[data-testid="upload-summary"]',
  error: '[data-testid="upload-error"]',
  checkButton: '[data-testid="check-data"]',
  report: '[data-testid="data-report"]',
  checkError: '[data-testid="check-error"]',
};

interface UploadArgs {
  rows: number[];
  columns: number;
  gzip: boolean;
  markdown: boolean;
  dir: string;
  dist?: string;
  timeoutMs: number;
  profile: boolean;
  gc: boolean;
}

function parseUploadArgs(argv: string[]): UploadArgs {
  const args: UploadArgs = {
    rows: [1_000_000],
    columns: 40,
    gzip: false,
    markdown: false,
    dir: '/tmp/moe-upload-bench',
    timeoutMs: 1_800_000,
    profile: false,
    gc: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a}: "${v}" is not a positive integer`);
      return n;
    };
    if (a === '--upload') continue;
    else if (a === '--rows') args.rows = value().split(',').map(int);
    else if (a === '--columns') args.columns = int(value());
    else if (a === '--gzip') args.gzip = true;
    else if (a === '--markdown') args.markdown = true;
    else if (a === '--dir') args.dir = path.resolve(value());
    else if (a === '--dist') args.dist = path.resolve(value());
    else if (a === '--profile') args.profile = true;
    else if (a === '--gc') args.gc = true;
    else if (a === '--timeout-s') args.timeoutMs = int(value()) * 1000;
    else throw new Error(`unknown argument ${a} for --upload (see the header of scripts/bench/upload.ts)`);
  }
  return args;
}

const log = (s: string): void => console.error(s);

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p))
    if (name !== 'node_modules') newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** The built site: `site` rebuilt by `vite build` when a source is newer than its last build. */
export function ensureSite(site: string, minify: boolean): void {
  const stamp = path.join(site, '.upload-bench-built');
  const sources = ['src', 'public', 'index.html', 'bench.html', 'vite.config.ts', 'package-lock.json'].map(
    (p) => path.join(ROOT, p),
  );
  const newest = Math.max(...sources.map(newestMtime));
  if (existsSync(stamp) && statSync(stamp).mtimeMs > newest) return;
  log(`building the site into ${site} (vite build) …`);
  const r = spawnSync(
    'npx',
    ['vite', 'build', '--outDir', site, '--emptyOutDir', ...(minify ? [] : ['--minify', 'false'])],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    throw new Error(`vite build failed:\n${(r.stdout + r.stderr).split('\n').slice(-25).join('\n')}`);
  writeFileSync(stamp, new Date().toISOString());
}

export interface PhaseStats {
  seconds: number;
  longestTaskMs: number;
  longTasks: number;
  /** Animation frames per second drawn during the phase, and the longest gap between two frames. */
  fps: number;
  maxFrameGapMs: number;
}

export function phaseStats(probe: ProbeData, from: number, to: number): PhaseStats {
  const inside = (e: ProbeEntry): boolean => e.start + e.duration > from && e.start < to;
  const tasks = probe.longTasks.filter(inside);
  const frames = probe.frames.filter((t) => t >= from && t <= to);
  let gap = 0;
  let last = from;
  for (const t of frames) {
    gap = Math.max(gap, t - last);
    last = t;
  }
  gap = Math.max(gap, to - last);
  return {
    seconds: (to - from) / 1000,
    longestTaskMs: Math.max(0, ...tasks.map((e) => e.duration)),
    longTasks: tasks.length,
    fps: frames.length / ((to - from) / 1000),
    maxFrameGapMs: gap,
  };
}

const MB = 1024 * 1024;
/** Memory and file sizes are printed in MiB (2^20 bytes); the JSON fields ending in MB hold the same. */
const mb = (b: number): number => Math.round(b / MB);

export interface UploadResult {
  rows: number;
  columns: number;
  file: string;
  fileBytes: number;
  csvBytes: number;
  gzip: boolean;
  ok: boolean;
  failure?: string;
  parse?: PhaseStats & { workerParseSeconds: number | null };
  encode?: PhaseStats & { workerEncodeSeconds: number | null };
  rowsPerSecond?: number;
  summaryText?: string;
  reportText?: string;
  workerHeapMB: Record<string, { used: number; arrayBuffers: number; total: number }>;
  pageHeapMB: { used: number; arrayBuffers: number; performanceMemory: number };
  rendererRssMB: number;
  chromiumRssMB: number;
  longestMainTaskMs: number;
  /** The longest main-thread tasks, ms after the file input's change event. */
  longTasks?: { start: number; duration: number }[];
  /** The in-page marks, ms after the change event. */
  marksMs?: Record<string, number>;
  longAnimationFrames: { start: number; duration: number; blocking: number; scripts: string[] }[];
  heapTimelineMB: { t: number; worker: number; workerBuffers: number; page: number }[];
  /** The data worker's peaks while parsing (file set → summary seen) and encoding (click → report seen). */
  dataWorkerPeakByPhaseMB?: Record<string, { used: number; arrayBuffers: number; total: number } | undefined>;
  /** --gc: the data worker's heap after parsing and a forced garbage collection. */
  dataWorkerRetainedAfterParseMB?: { used: number; arrayBuffers: number };
  /** Role per column in the mapping step when "Check data" was clicked. */
  roles?: string[];
  /** Load average of the machine (1 min) before and after the run: it is shared. */
  loadAverage?: [number, number];
  /** --profile: the data worker's functions with the most self time. */
  workerProfile?: Record<string, string[]>;
}

async function waitForAny(
  page: Page,
  selectors: string[],
  timeoutMs: number,
  crashed: () => string | null,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = crashed();
    if (why) throw new Error(why);
    for (const s of selectors)
      if (
        (await page
          .locator(s)
          .count()
          .catch(() => 0)) > 0
      )
        return s;
    if (Date.now() > deadline)
      throw new Error(`none of ${selectors.join(', ')} appeared within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runOne(
  site: string,
  file: BenchFile,
  columns: number,
  timeoutMs: number,
  profile: boolean,
  gc: boolean,
): Promise<UploadResult> {
  const { server, port } = await serveStatic(site);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
  });
  const result: UploadResult = {
    rows: file.spec.rows,
    columns,
    file: file.path,
    fileBytes: file.bytes,
    csvBytes: file.csvBytes,
    gzip: file.path.endsWith('.gz'),
    ok: false,
    loadAverage: [os.loadavg()[0], 0],
    workerHeapMB: {},
    pageHeapMB: { used: 0, arrayBuffers: 0, performanceMemory: 0 },
    rendererRssMB: 0,
    chromiumRssMB: 0,
    longestMainTaskMs: 0,
    longAnimationFrames: [],
    heapTimelineMB: [],
  };
  let sampler: MemorySampler | null = null;
  let page: Page | null = null;
  const state: { crash: string | null } = { crash: null };
  const consoleErrors: string[] = [];
  /** When the benchmark set the file, saw the summary, clicked and saw the report, on the sampler's clock. */
  const hostMarks: Record<string, number> = {};
  try {
    page = await browser.newPage();
    page.on('crash', () => (state.crash = 'the page crashed (renderer process gone: out of memory?)'));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    // As source text with a stand-in for the `__name` helper that tsx's esbuild adds to named functions.
    await page.addInitScript({
      content: `var __name = (f) => f; (${installProbe.toString()})(${JSON.stringify(SELECTORS)});`,
    });
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.locator(SELECTORS.input).waitFor({ state: 'attached', timeout: 60_000 });
    sampler = new MemorySampler(page, process.pid, profile ? 'data' : undefined);
    await sampler.attach();
    sampler.start();

    log(`uploading ${file.path} (${mb(file.bytes)} MiB) …`);
    hostMarks.set = sampler.now();
    await page.setInputFiles(SELECTORS.input, file.path);
    const parsed = await waitForAny(page, [SELECTORS.summary, SELECTORS.error], timeoutMs, () => state.crash);
    if (parsed === SELECTORS.error)
      throw new Error(`upload error: ${await page.locator(SELECTORS.error).innerText()}`);
    hostMarks.summary = sampler.now();
    result.summaryText = (await page.locator(SELECTORS.summary).innerText()).replace(/\s+/g, ' ').trim();
    log(`  ${result.summaryText}`);

    // The page keeps the current mapping when the file has all its columns, as this file has the bundled
    // dataset's: every column is wanted here, as the engine proposes them.
    await page.getByRole('button', { name: 'Reset to the proposal' }).click();
    // The mapping the check encodes, as the role table shows it.
    result.roles = await page.$$eval('[data-testid^="role-row-"]', (rows) =>
      rows.map(
        (r) => `${r.querySelector('th')?.textContent ?? '?'}: ${r.querySelector('select')?.value ?? '?'}`,
      ),
    );
    if (gc) {
      const kept = await sampler.collectAndMeasure('data');
      if (kept)
        result.dataWorkerRetainedAfterParseMB = { used: mb(kept.used), arrayBuffers: mb(kept.backing) };
    }
    const button = page.locator(SELECTORS.checkButton);
    await button.waitFor({ state: 'visible', timeout: 60_000 });
    hostMarks.click = sampler.now();
    await button.click();
    const checked = await waitForAny(
      page,
      [SELECTORS.report, SELECTORS.checkError],
      timeoutMs,
      () => state.crash,
    );
    if (checked === SELECTORS.checkError)
      throw new Error(`check error: ${await page.locator(SELECTORS.checkError).innerText()}`);
    hostMarks.report = sampler.now();
    result.reportText = (await page.locator(SELECTORS.report).innerText())
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 600);
    // A moment for the last samples and observer entries (a long task is reported after it ends).
    await page.waitForTimeout(1000);
    result.ok = true;
  } catch (e) {
    result.failure = e instanceof Error ? e.message : String(e);
    if (consoleErrors.length) result.failure += ` | console: ${consoleErrors.slice(-3).join(' | ')}`;
  } finally {
    sampler?.stop();
  }
  if (sampler && profile && !state.crash) result.workerProfile = await sampler.stopProfiles();

  const probe: ProbeData | null =
    page && !state.crash ? await page.evaluate(() => window.__uploadProbe ?? null).catch(() => null) : null;
  if (sampler) {
    for (const [url, samples] of sampler.worker) {
      const p: Peak = peakOf(samples);
      result.workerHeapMB[url.replace(/^.*\//, '')] = {
        used: mb(p.used),
        arrayBuffers: mb(p.backing),
        total: mb(p.total),
      };
    }
    const pp = peakOf(sampler.page);
    result.pageHeapMB = { used: mb(pp.used), arrayBuffers: mb(pp.backing), performanceMemory: 0 };
    result.rendererRssMB = mb(Math.max(0, ...sampler.rss.map((r) => r.renderer)));
    result.chromiumRssMB = mb(Math.max(0, ...sampler.rss.map((r) => r.all)));
    const during = (from?: number, to?: number): Peak | undefined =>
      from === undefined || to === undefined
        ? undefined
        : peakOf(dataWorkerSamples(sampler as MemorySampler).filter((x) => x.t >= from && x.t <= to));
    const parsePeak = during(hostMarks.set, hostMarks.summary);
    const encodePeak = during(hostMarks.click, hostMarks.report);
    const asMB = (p?: Peak) => p && { used: mb(p.used), arrayBuffers: mb(p.backing), total: mb(p.total) };
    result.dataWorkerPeakByPhaseMB = { parse: asMB(parsePeak), encode: asMB(encodePeak) };
    const dataWorker = [...sampler.worker.entries()].find(([url]) => url.includes('data'))?.[1] ?? [];
    // One point every ~2 s, for the timeline of where the memory goes.
    for (let i = 0; i < dataWorker.length; i += 20) {
      const w = dataWorker[i];
      const pg = sampler.page.reduce(
        (best, s) => (Math.abs(s.t - w.t) < Math.abs(best.t - w.t) ? s : best),
        sampler.page[0],
      );
      result.heapTimelineMB.push({
        t: Math.round(w.t / 100) / 10,
        worker: mb(w.used),
        workerBuffers: mb(w.backing),
        page: mb(pg?.used ?? 0),
      });
    }
  }
  if (probe) {
    const m = probe.marks;
    result.pageHeapMB.performanceMemory = mb(
      Math.max(0, ...probe.heap.filter(([t]) => t >= (m.change ?? 0)).map(([, v]) => v)),
    );
    const end = m.report ?? m.checkError ?? m.summary ?? m.error ?? performance.now();
    const windowTasks = probe.longTasks.filter(
      (e) => m.change !== undefined && e.start + e.duration > m.change && e.start < end,
    );
    result.longestMainTaskMs = Math.max(0, ...windowTasks.map((e) => e.duration));
    result.longTasks = windowTasks
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 5)
      .map((e) => ({ start: Math.round(e.start - (m.change ?? 0)), duration: Math.round(e.duration) }));
    result.marksMs = Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k, Math.round(v - (m.change ?? 0))]),
    );
    result.longAnimationFrames = probe.loafs
      .filter((e) => m.change !== undefined && e.start + e.duration > m.change && e.start < end)
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 5)
      .map((e) => ({
        start: Math.round(e.start - (m.change ?? 0)),
        duration: Math.round(e.duration),
        blocking: Math.round(e.blocking),
        scripts: e.scripts
          .filter((s) => s.duration >= 5)
          .map((s) => `${s.invoker} → ${s.source} ${Math.round(s.duration)} ms`),
      }));
    const workerParse = /read in ([\d.]+) s/.exec(result.summaryText ?? '');
    if (m.change !== undefined && m.summary !== undefined)
      result.parse = {
        ...phaseStats(probe, m.change, m.summary),
        workerParseSeconds: workerParse ? Number(workerParse[1]) : null,
      };
    const workerEncode = /encoded in ([\d.]+) s/i.exec(result.reportText ?? '');
    if (m.checkClick !== undefined && m.report !== undefined)
      result.encode = {
        ...phaseStats(probe, m.checkClick, m.report),
        workerEncodeSeconds: workerEncode ? Number(workerEncode[1]) : null,
      };
    if (result.parse && result.encode)
      result.rowsPerSecond = Math.round(result.rows / (result.parse.seconds + result.encode.seconds));
  } else if (state.crash) result.failure = state.crash;
  await browser.close().catch(() => undefined);
  if (result.loadAverage) result.loadAverage[1] = os.loadavg()[0];
  server.close();
  return result;
}

function dataWorkerSamples(sampler: MemorySampler): HeapSample[] {
  return [...sampler.worker.entries()].find(([url]) => url.includes('data'))?.[1] ?? [];
}

function humanSummary(r: UploadResult): string {
  const lines = [
    `${r.rows.toLocaleString('en')} rows × ${r.columns} columns, ${r.gzip ? 'gzip' : 'plain CSV'}, ${mb(r.fileBytes)} MiB (${mb(r.csvBytes)} MiB of CSV): ${r.ok ? 'ok' : `FAILED: ${r.failure}`}`,
  ];
  if (r.parse)
    lines.push(
      `  parse: ${r.parse.seconds.toFixed(1)} s in the page (worker: ${r.parse.workerParseSeconds ?? '?'} s), ${r.parse.fps.toFixed(0)} frames/s, longest frame gap ${r.parse.maxFrameGapMs.toFixed(0)} ms, longest task ${r.parse.longestTaskMs.toFixed(0)} ms`,
    );
  if (r.encode)
    lines.push(
      `  encode: ${r.encode.seconds.toFixed(1)} s in the page (worker: ${r.encode.workerEncodeSeconds ?? '?'} s), ${r.encode.fps.toFixed(0)} frames/s, longest frame gap ${r.encode.maxFrameGapMs.toFixed(0)} ms, longest task ${r.encode.longestTaskMs.toFixed(0)} ms`,
    );
  if (r.roles) {
    const count = new Map<string, string[]>();
    for (const x of r.roles) {
      const [col, role] = x.split(': ');
      count.set(role, [...(count.get(role) ?? []), col]);
    }
    lines.push(
      `  mapping: ${[...count].map(([role, cols]) => `${role} ${cols.length <= 4 ? cols.join(', ') : cols.length}`).join('; ')}`,
    );
  }
  if (r.loadAverage)
    lines.push(`  load average (1 min) before/after: ${r.loadAverage.map((x) => x.toFixed(1)).join(' / ')}`);
  if (r.rowsPerSecond) lines.push(`  parse + encode: ${r.rowsPerSecond.toLocaleString('en')} rows/s`);
  for (const [w, p] of Object.entries(r.workerHeapMB))
    lines.push(
      `  worker ${w}: peak JS heap ${p.used} MiB, array buffers ${p.arrayBuffers} MiB, both ${p.total} MiB`,
    );
  for (const [phase, p] of Object.entries(r.dataWorkerPeakByPhaseMB ?? {}))
    if (p)
      lines.push(
        `    data worker while ${phase === 'parse' ? 'parsing' : 'encoding'}: ${p.used} MiB JS + ${p.arrayBuffers} MiB buffers (${p.total} MiB at most together)`,
      );
  if (r.dataWorkerRetainedAfterParseMB)
    lines.push(
      `    data worker after parsing, after a forced GC: ${r.dataWorkerRetainedAfterParseMB.used} MiB JS + ${r.dataWorkerRetainedAfterParseMB.arrayBuffers} MiB buffers`,
    );
  lines.push(
    `  page: peak JS heap ${r.pageHeapMB.used} MiB (performance.memory ${r.pageHeapMB.performanceMemory} MiB), array buffers ${r.pageHeapMB.arrayBuffers} MiB; renderer RSS ${r.rendererRssMB} MiB, all Chromium ${r.chromiumRssMB} MiB`,
  );
  lines.push(`  main thread: longest task ${r.longestMainTaskMs.toFixed(0)} ms`);
  if (r.marksMs) lines.push(`    marks (ms after the change event): ${JSON.stringify(r.marksMs)}`);
  if (r.longTasks?.length)
    lines.push(`    long tasks: ${r.longTasks.map((t) => `${t.duration} ms at +${t.start} ms`).join(', ')}`);
  for (const f of r.longAnimationFrames)
    lines.push(
      `    long frame at +${f.start} ms: ${f.duration} ms (${f.blocking} blocking) ${f.scripts.join('; ')}`,
    );
  if (r.heapTimelineMB.length)
    lines.push(
      `  data worker heap (s: JS+buffers MiB): ${r.heapTimelineMB.map((p) => `${p.t}: ${p.worker}+${p.workerBuffers}`).join(', ')}`,
    );
  for (const [w, fns] of Object.entries(r.workerProfile ?? {}))
    lines.push(`  CPU profile of ${w}, self time:`, ...fns.map((f) => `    ${f}`));
  return lines.join('\n');
}

function markdown(results: UploadResult[]): string {
  const head =
    '| rows × columns | file | parse s | encode s | rows/s parse + encode | peak heap, data worker (JS + buffers) | peak heap, page | renderer RSS | longest main-thread task | frames/s while parsing |';
  const rows = results.map((r) => {
    const w = Object.entries(r.workerHeapMB).find(([k]) => k.includes('data'))?.[1];
    const fail = r.ok ? '' : ` (failed: ${r.failure})`;
    return `| ${r.rows.toLocaleString('en')} × ${r.columns} | ${r.gzip ? 'gzip' : 'CSV'} ${mb(r.fileBytes)} MiB${fail} | ${r.parse?.seconds.toFixed(1) ?? '–'} | ${r.encode?.seconds.toFixed(1) ?? '–'} | ${r.rowsPerSecond?.toLocaleString('en') ?? '–'} | ${w ? `${w.used} + ${w.arrayBuffers} MiB` : '–'} | ${r.pageHeapMB.used} MiB | ${r.rendererRssMB} MiB | ${r.longestMainTaskMs.toFixed(0)} ms | ${r.parse?.fps.toFixed(0) ?? '–'} |`;
  });
  return [head, `|${'---|'.repeat(10)}`, ...rows].join('\n');
}

export async function uploadBench(argv: string[]): Promise<void> {
  const args = parseUploadArgs(argv);
  const site = args.dist ?? path.join(args.dir, args.profile ? 'site-profile' : 'site');
  if (args.dist) {
    if (!existsSync(path.join(site, 'index.html')))
      throw new Error(`${site}/index.html is missing: run \`npm run build\` first`);
  } else ensureSite(site, !args.profile);
  const results: UploadResult[] = [];
  for (const rows of args.rows) {
    const file = await benchFile(args.dir, rows, args.columns, args.gzip, log);
    const r = await runOne(site, file, args.columns, args.timeoutMs, args.profile, args.gc);
    console.log(JSON.stringify(r));
    log(humanSummary(r));
    results.push(r);
  }
  if (args.markdown) console.log(markdown(results));
}
