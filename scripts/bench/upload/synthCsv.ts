/**
 * The upload benchmark's file: the project's synthetic generator (src/engine/synth) at a size `generate()` would
 * hold as one string (a million rows × 40 columns is ≈ 250 MB of CSV). The same sampler and line writer as
 * generate(); only the writing is streamed, in blocks of rows.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { csvLines, sampleTruth } from '../../../src/engine/synth/generate';
import type { SynthSpec } from '../../../src/engine/synth/spec';

const TASKS = [
  { name: 'click', rate: 0.12 },
  { name: 'like', rate: 0.05 },
  { name: 'convert', rate: 0.02 },
];
/** Field cardinalities, cycled: a few id-like fields with many values, most with tens to hundreds. */
const CARDINALITIES = [20_000, 5_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 300, 30];

/**
 * A recommender-shaped spec with `columns` CSV columns: domain, the categorical fields c1…cK, the numeric
 * fields n1…nM, one label column per task and the split column; about a third of the features numeric.
 */
export function uploadSpec(rows: number, columns: number, seed = 20250101): SynthSpec {
  const features = columns - 2 - TASKS.length;
  if (features < 2) throw new Error(`--columns must be at least ${TASKS.length + 4}`);
  const numeric = Math.round(features * 0.3);
  const count = features - numeric;
  return {
    id: `upload-bench-${rows}x${columns}`,
    name: `Upload benchmark ${rows} × ${columns}`,
    description: 'Written by scripts/bench/upload.ts; not bundled.',
    rows,
    seed,
    domains: [
      { name: 'feed', weight: 0.4 },
      { name: 'search', weight: 0.3, rateScale: 1.3 },
      { name: 'mall', weight: 0.2, rateScale: 0.8 },
      { name: 'live', weight: 0.1, rateScale: 1.5 },
    ],
    tasks: TASKS,
    categorical: {
      count,
      cardinality: Array.from({ length: count }, (_, k) => CARDINALITIES[k % CARDINALITIES.length]),
      skew: 1.05,
    },
    numeric,
    structure: {
      shared: 0.8,
      domainSpecific: 1.2,
      taskSpecific: 0.5,
      taskCorrelation: 0.5,
      domainOverlap: 0.3,
      noise: 0.8,
    },
  };
}

function write(out: WriteStream, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
}

/** Rows per block handed to the file stream: small enough that no block string is large. */
const BLOCK_ROWS = 5_000;

/** Writes the spec's CSV to `file`, streamed; returns the generation and writing times. */
export async function writeSynthCsv(
  spec: SynthSpec,
  file: string,
): Promise<{ generateMs: number; writeMs: number }> {
  const t0 = performance.now();
  const truth = sampleTruth(spec);
  const t1 = performance.now();
  const tmp = `${file}.part`;
  const out = createWriteStream(tmp);
  let block: string[] = [];
  for (const line of csvLines(spec, truth)) {
    block.push(line);
    if (block.length === BLOCK_ROWS) {
      await write(out, block.join('\n') + '\n');
      block = [];
    }
  }
  if (block.length > 0) await write(out, block.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, file);
  return { generateMs: t1 - t0, writeMs: performance.now() - t1 };
}

export async function gzipFile(src: string, dst: string): Promise<void> {
  const tmp = `${dst}.part`;
  await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(tmp));
  renameSync(tmp, dst);
}

export interface BenchFile {
  path: string;
  bytes: number;
  /** Bytes of the plain CSV (the same as `bytes` unless gzip). */
  csvBytes: number;
  spec: SynthSpec;
  /** False when an earlier run's file was reused. */
  generated: boolean;
}

/** The benchmark file for (rows, columns), generated into `dir` unless an earlier run left it there. */
export async function benchFile(
  dir: string,
  rows: number,
  columns: number,
  gzip: boolean,
  log: (s: string) => void,
): Promise<BenchFile> {
  mkdirSync(dir, { recursive: true });
  const spec = uploadSpec(rows, columns);
  const csv = path.join(dir, `${spec.id}-seed${spec.seed}.csv`);
  let generated = false;
  if (!existsSync(csv)) {
    log(`generating ${csv} …`);
    const t = await writeSynthCsv(spec, csv);
    log(
      `  rows and labels ${(t.generateMs / 1000).toFixed(1)} s, writing ${(t.writeMs / 1000).toFixed(1)} s, ${statSync(csv).size} bytes`,
    );
    generated = true;
  }
  const csvBytes = statSync(csv).size;
  if (!gzip) return { path: csv, bytes: csvBytes, csvBytes, spec, generated };
  const gz = `${csv}.gz`;
  if (!existsSync(gz) || generated) {
    log(`compressing ${gz} …`);
    await gzipFile(csv, gz);
    generated = true;
  }
  return { path: gz, bytes: statSync(gz).size, csvBytes, spec, generated };
}
