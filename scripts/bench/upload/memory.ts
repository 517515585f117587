/**
 * Samples memory while the upload runs, from outside the page so a busy thread is still measured:
 * - the V8 heap of the page and of every dedicated worker, by CDP Runtime.getHeapUsage. Worker sessions come from
 *   Target.setAutoAttach on a page session (non-flat: messages go through Target.sendMessageToTarget, which
 *   Playwright's CDPSession can send). V8 answers inspector messages by interrupting running JS, so a worker
 *   inside a long synchronous loop is still sampled (checked: ~10 ms for a reply from a worker busy for 4 s,
 *   where Playwright's worker.evaluate waited 3.5 s). `usedSize` is the JS heap; `backingStorageSize` is the
 *   ArrayBuffers' backing stores (typed arrays) and external strings, outside that heap.
 *   (performance.memory is not exposed in workers: it is null there in this Chromium.)
 * - the resident set (RSS) of Chromium's processes, from /proc (Linux), every fifth sample (500 ms): the largest renderer
 *   (the page and its workers) and all of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { CDPSession, Page } from '@playwright/test';

export interface HeapSample {
  t: number;
  used: number;
  backing: number;
}

export interface Peak {
  used: number;
  backing: number;
  /** Largest used + backing of one sample. */
  total: number;
}

export class MemorySampler {
  private session!: CDPSession;
  private readonly workers = new Map<string, string>();
  private readonly pending = new Map<number, (result: unknown) => void>();
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private ticks = 0;
  /** Worker sessions whose CPU profile runs (--profile). */
  private readonly profiling = new Set<string>();
  readonly page: HeapSample[] = [];
  readonly worker = new Map<string, HeapSample[]>();
  readonly rss: { t: number; renderer: number; all: number }[] = [];

  constructor(
    private readonly pageRef: Page,
    private readonly rootPid: number,
    /** Start a CPU profile in each worker whose URL contains this, as soon as it appears. */
    private readonly profileMatch?: string,
  ) {}

  async attach(): Promise<void> {
    this.session = await this.pageRef.context().newCDPSession(this.pageRef);
    this.session.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type !== 'worker') return;
      this.workers.set(e.sessionId, e.targetInfo.url);
      if (this.profileMatch && e.targetInfo.url.includes(this.profileMatch)) {
        this.profiling.add(e.sessionId);
        void this.ask(e.sessionId, 'Profiler.enable')
          .then(() => this.ask(e.sessionId, 'Profiler.setSamplingInterval', { interval: 1000 }))
          .then(() => this.ask(e.sessionId, 'Profiler.start'));
      }
    });
    this.session.on('Target.detachedFromTarget', (e) => {
      this.workers.delete(e.sessionId);
    });
    this.session.on('Target.receivedMessageFromTarget', (e) => {
      const m = JSON.parse(e.message) as { id?: number; result?: unknown };
      if (m.id === undefined) return;
      this.pending.get(m.id)?.(m.result ?? null);
      this.pending.delete(m.id);
    });
    await this.session.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    });
  }

  /** One CDP command to a worker; null when it fails or does not answer in time. */
  private ask(sessionId: string, method: string, params: object = {}, timeoutMs = 2000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.session
        .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(() => {
          this.pending.delete(id);
          resolve(null);
        });
      setTimeout(() => {
        if (this.pending.delete(id)) resolve(null);
      }, timeoutMs);
    });
  }

  private async workerHeap(sessionId: string): Promise<{ used: number; backing: number } | null> {
    const r = (await this.ask(sessionId, 'Runtime.getHeapUsage')) as {
      usedSize: number;
      backingStorageSize?: number;
    } | null;
    return r && { used: r.usedSize, backing: r.backingStorageSize ?? 0 };
  }

  /** Collects garbage in the worker whose URL contains `match`, then reads its heap: what it retains. */
  async collectAndMeasure(match: string): Promise<{ used: number; backing: number } | null> {
    const sid = [...this.workers].find(([, url]) => url.includes(match))?.[0];
    if (!sid) return null;
    await this.ask(sid, 'HeapProfiler.collectGarbage', {}, 30_000);
    return this.workerHeap(sid);
  }

  /** Stops the CPU profiles started by `profileMatch`: the functions with the most self time, per worker. */
  async stopProfiles(top = 15): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const sid of this.profiling) {
      const r = (await this.ask(sid, 'Profiler.stop', {}, 60_000)) as { profile?: CpuProfile } | null;
      if (r?.profile) out[(this.workers.get(sid) ?? sid).replace(/^.*\//, '')] = selfTimes(r.profile, top);
    }
    return out;
  }

  private async sample(t0: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const t = performance.now() - t0;
      const jobs: Promise<void>[] = [
        this.session.send('Runtime.getHeapUsage').then(
          (r) =>
            void this.page.push({
              t,
              used: r.usedSize,
              backing: (r as { backingStorageSize?: number }).backingStorageSize ?? 0,
            }),
          () => undefined,
        ),
      ];
      for (const [sid, url] of this.workers)
        jobs.push(
          this.workerHeap(sid).then((h) => {
            if (!h) return;
            const list = this.worker.get(url) ?? [];
            list.push({ t, ...h });
            this.worker.set(url, list);
          }),
        );
      // /proc is read less often: the benchmark shares the machine's two cores with the browser.
      if (this.ticks++ % 5 === 0) this.rss.push({ t, ...chromiumRss(this.rootPid) });
      await Promise.all(jobs);
    } finally {
      this.busy = false;
    }
  }

  private t0 = 0;

  /** Milliseconds since start(), the clock of the samples' `t`. */
  now(): number {
    return performance.now() - this.t0;
  }

  start(intervalMs = 100): void {
    const t0 = (this.t0 = performance.now());
    this.timer = setInterval(() => void this.sample(t0), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export function peakOf(samples: HeapSample[]): Peak {
  let used = 0;
  let backing = 0;
  let total = 0;
  for (const s of samples) {
    used = Math.max(used, s.used);
    backing = Math.max(backing, s.backing);
    total = Math.max(total, s.used + s.backing);
  }
  return { used, backing, total };
}

/** RSS of the Chromium processes below `root` (this Node process): renderers, and all of them. */
function chromiumRss(root: number): { renderer: number; all: number } {
  const children = new Map<number, number[]>();
  const info = new Map<number, { rss: number; renderer: boolean }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('chrom')) info.set(pid, { rss, renderer: cmd.includes('--type=renderer') });
    } catch {
      /* the process ended */
    }
  }
  let renderer = 0;
  let all = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop() as number;
    const p = info.get(pid);
    if (p) {
      all += p.rss;
      if (p.renderer) renderer = Math.max(renderer, p.rss);
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { renderer, all };
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per function (name, file and line), largest first, as "ms  share  name file:line". */
export function selfTimes(profile: CpuProfile, top: number): string[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const f = byNode.get(samples[i])?.callFrame;
    if (!f) continue;
    // A sample's time is the gap to the next one.
    const us = deltas[i + 1] ?? 0;
    total += us;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, us]) =>
        `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`,
    );
}
