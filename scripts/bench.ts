/**
 * npm run bench -- --experiment <file.json> [--node] [--backend cpu|wasm|webgpu|webgl|auto] [--seeds 1,2,3]
 * npm run bench -- --list-models
 *
 * Trains an experiment (the JSON the UI saves) and prints one JSON line per evaluation; the last line
 * per seed is the summary (backend, throughput, kernels per step, valid AUC per epoch, test metrics).
 * Default: headless Chromium through the real worker on the built site (run `npm run build` first).
 * --node: in Node on the cpu backend (or --backend wasm).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExperiment, type Experiment } from '../src/engine/experiment';
import { registeredModels } from '../src/engine/models/registry';
import { runInBrowser } from './bench/browser';
import { runInNode } from './bench/node';
import { resolveDataPath } from './bench/summary';

interface Args {
  experiment?: string;
  node: boolean;
  backend?: string;
  seeds?: number[];
  listModels: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { node: false, listModels: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--experiment') args.experiment = value();
    else if (a === '--node') args.node = true;
    else if (a === '--backend') args.backend = value();
    else if (a === '--seeds') args.seeds = value().split(',').map((s) => Number.parseInt(s, 10));
    else if (a === '--list-models') args.listModels = true;
    else throw new Error(`unknown argument ${a} (see the header of scripts/bench.ts)`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.listModels) {
    console.log(JSON.stringify(registeredModels().map((m) => m.id)));
    return;
  }
  if (!args.experiment) throw new Error('--experiment <file.json> is required');
  const file = path.resolve(args.experiment);
  const base: Experiment = parseExperiment(JSON.parse(readFileSync(file, 'utf8')));
  const dataPath = resolveDataPath(base.data, path.dirname(file));
  for (const seed of args.seeds ?? [base.train.seed]) {
    const exp: Experiment = { ...base, train: { ...base.train, seed } };
    if (args.node) await runInNode(exp, dataPath, args.backend ?? 'cpu');
    else await runInBrowser(exp, dataPath, args.backend ?? 'auto');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
