/**
 * What compare mode's one parse per file and mapping saves (src/ui/workers/datasetCache.ts): the time of a run's
 * parse against the time of handing its dataset to another run, in shared memory (cross-origin isolated page)
 * or by a structured clone (elsewhere). Node, the page's own code; medians of a few repetitions.
 *
 *   npx tsx scripts/bench/sharedData.ts bench/experiments/census-mmoe.json [runs=12]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExperiment } from '../../src/engine/experiment';
import { runDataset, shareable } from '../../src/workers/runData';
import { resolveData } from './summary';

const REPEATS = 3;

async function medianMs(task: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await task();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[REPEATS >> 1];
}

const [experimentFile, runsArg] = process.argv.slice(2);
if (!experimentFile) throw new Error('usage: tsx scripts/bench/sharedData.ts <experiment.json> [runs]');
const runs = Number(runsArg ?? 12);
const { data: mapping } = parseExperiment(JSON.parse(readFileSync(experimentFile, 'utf8')));
const file = resolveData(mapping, path.dirname(path.resolve(experimentFile))).path;
const blob = new Blob([readFileSync(file)]);
const source = { kind: 'blob', blob, name: path.basename(file) } as const;

const dataset = await runDataset(source, mapping);
const parseMs = await medianMs(() => runDataset(source, mapping));
const sharedMemoryMs = await medianMs(() => shareable(dataset, true));
const cloneMs = await medianMs(() => structuredClone(dataset));
const round = (ms: number) => Math.round(ms);
const { cat, num, domain, labels, labelMask, splits } = dataset;
// What each worker after the first does not hold in a copy of its own where the arrays are shared.
const arrayBytes = [cat, num, domain, labels, labelMask, splits.train, splits.valid, splits.test].reduce(
  (sum, a) => sum + a.byteLength,
  0,
);
console.log(
  JSON.stringify({
    file: source.name,
    rows: dataset.numRows,
    arrayMiB: +(arrayBytes / 2 ** 20).toFixed(1),
    runs,
    parseMs: round(parseMs),
    sharedMemoryMs: round(sharedMemoryMs),
    cloneMs: round(cloneMs),
    // Each run parses / the first parses, its arrays move into shared memory once / the first parses and its
    // dataset is cloned once to the page and once to each later run.
    everyRunParsesMs: round(runs * parseMs),
    sharedIsolatedMs: round(parseMs + sharedMemoryMs),
    sharedClonedMs: round(parseMs + runs * cloneMs),
  }),
);
