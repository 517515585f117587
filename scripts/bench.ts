/**
 * npm run bench -- --experiment <file.json> [--node] [--backend cpu|wasm|webgpu|webgl|auto] [--seeds 1,2,3]
 * npm run bench -- --list-models
 *   --models all|id,id   run each model on the experiment's data and settings (default options, or
 *   --preset <prefix>    each model's first preset whose name starts with <prefix>, e.g. "census reference")
 *   --markdown           after the JSON lines, a markdown table of the summaries (for BENCHMARKS.md)
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
import { markdownTable } from './bench/table';
import { runInBrowser } from './bench/browser';
import { runInNode } from './bench/node';
import { resolveDataPath } from './bench/summary';

interface Args {
  experiment?: string;
  node: boolean;
  backend?: string;
  seeds?: number[];
  listModels: boolean;
  models?: string[];
  preset?: string;
  markdown: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { node: false, listModels: false, markdown: false };
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
    else if (a === '--models') args.models = value().split(',');
    else if (a === '--preset') args.preset = value();
    else if (a === '--markdown') args.markdown = true;
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
  const summaries: Record<string, unknown>[] = [];
  for (const model of modelsToRun(base, args)) {
    for (const seed of args.seeds ?? [base.train.seed]) {
      const exp: Experiment = { ...base, model, train: { ...base.train, seed } };
      summaries.push(args.node ? await runInNode(exp, dataPath, args.backend ?? 'cpu') : await runInBrowser(exp, dataPath, args.backend ?? 'auto'));
    }
  }
  if (args.markdown) console.log(markdownTable(summaries));
}

/** The experiment's own model, or each requested model with its defaults or its preset matching --preset. */
function modelsToRun(base: Experiment, args: Args): Experiment['model'][] {
  if (!args.models) return [base.model];
  const infos = registeredModels();
  const ids = args.models.includes('all') ? infos.map((m) => m.id) : args.models;
  return ids.map((id) => {
    const info = infos.find((m) => m.id === id);
    if (!info) throw new Error(`--models: unknown model "${id}" (known: ${infos.map((m) => m.id).join(', ')})`);
    const preset = args.preset ? info.presets.find((p) => p.name.startsWith(args.preset as string)) : undefined;
    return { id, options: preset ? { ...preset.options } : {} };
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
