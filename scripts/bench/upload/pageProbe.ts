/**
 * Instrumentation the upload benchmark installs in the page before the app loads (page.addInitScript): long tasks
 * and long animation frames of the main thread, animation frames (is the page still drawing?), the page's JS heap
 * (performance.memory, with --enable-precise-memory-info), and in-page timestamps of the upload's steps, taken
 * by observers so no round trip to the benchmark's process is counted.
 */

export interface ProbeSelectors {
  input: string;
  summary: string;
  error: string;
  checkButton: string;
  report: string;
  checkError: string;
}

export interface ProbeEntry {
  start: number;
  duration: number;
}

export interface LoafEntry extends ProbeEntry {
  blocking: number;
  scripts: { invoker: string; source: string; duration: number }[];
}

export interface ProbeData {
  /** performance.now() of each mark: the file input's change event, the summary appearing, … */
  marks: Record<string, number>;
  longTasks: ProbeEntry[];
  loafs: LoafEntry[];
  /** performance.now() of every animation frame since install. */
  frames: number[];
  /** [performance.now(), usedJSHeapSize] every 100 ms (only while the main thread is free to run a timer). */
  heap: [number, number][];
  heapLimit: number;
}

declare global {
  interface Window {
    __uploadProbe?: ProbeData;
  }
}

/** Runs in the page (serialised by Playwright): keep it self-contained. */
export function installProbe(sel: ProbeSelectors): void {
  const data: ProbeData = { marks: {}, longTasks: [], loafs: [], frames: [], heap: [], heapLimit: 0 };
  window.__uploadProbe = data;
  const mark = (name: string): void => {
    if (data.marks[name] === undefined) data.marks[name] = performance.now();
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) data.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    /* not supported */
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & {
        blockingDuration: number;
        scripts: { invoker: string; sourceURL: string; sourceFunctionName: string; duration: number }[];
      })[])
        data.loafs.push({
          start: e.startTime,
          duration: e.duration,
          blocking: e.blockingDuration,
          scripts: e.scripts.map((s) => ({
            invoker: s.invoker,
            source: `${s.sourceFunctionName || '(anonymous)'} ${s.sourceURL.replace(/^.*\//, '')}`,
            duration: s.duration,
          })),
        });
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    /* not supported */
  }
  const frame = (t: number): void => {
    data.frames.push(t);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // performance.memory is a snapshot: it is read anew each time.
  const memory = (): { usedJSHeapSize: number; jsHeapSizeLimit: number } | undefined =>
    (performance as Performance & { memory?: { usedJSHeapSize: number; jsHeapSizeLimit: number } }).memory;
  const first = memory();
  if (first) {
    data.heapLimit = first.jsHeapSizeLimit;
    setInterval(() => data.heap.push([performance.now(), memory()?.usedJSHeapSize ?? 0]), 100);
  }
  document.addEventListener(
    'change',
    (e) => {
      if ((e.target as Element | null)?.matches?.(sel.input)) mark('change');
    },
    true,
  );
  document.addEventListener(
    'click',
    (e) => {
      if ((e.target as Element | null)?.closest?.(sel.checkButton)) mark('checkClick');
    },
    true,
  );
  const look = (): void => {
    if (document.querySelector(sel.summary)) mark('summary');
    if (document.querySelector(sel.error)) mark('error');
    if (data.marks.checkClick !== undefined) {
      if (document.querySelector(sel.report)) mark('report');
      if (document.querySelector(sel.checkError)) mark('checkError');
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true });
}
