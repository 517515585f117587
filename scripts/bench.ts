/**
 * npm run bench -- --experiment <file.json> [--node] [--backend cpu|wasm|webgpu|webgl|auto] [--seeds 1,2,3]
 * npm run bench -- --list-models
 * npm run bench -- --upload [--rows 1000000] [--columns 40] [--gzip] [--markdown]   (scripts/bench/upload.ts)
 * npm run bench -- --smoothness [--model mmoe] [--backend auto] [--steps 300] [--eval-every 10]  (bench/smoothness.ts)
 *   --models all|id,id   run each model on the experiment's data and settings (default options, or
 *   --preset <prefix>    each model's first preset whose name starts with <prefix>, e.g. "census reference")
 *                        instead of the experiment's own model configurations
 *   --seeds 1,2,3        instead of the experiment's seeds
 *   --markdown           after the JSON lines, markdown tables of the summaries and, per configuration,
 *                        the mean ± std over seeds (for BENCHMARKS.md)
 *   --step-cost          (with --node) no training: the kernels one step launches and the JS time issuing it
 *                        (a second profiled step; the first compiles the GPU pipelines), per configuration
 *   --threads N          (with --node --backend wasm) N threads instead of one per core
 *   --torch              (with --node) also train each run with its PyTorch twin on the CPU (python/, Debian's
 *                        /usr/bin/python3: the same experiment, data and steps) before and after it, and print
 *                        the run's samples/s over the twin's, the twin's test AUC and the load average
 *   --allow-data-errors  train even when Check data finds an error in the data (a leaking column, a cell
 *                        without positives…); its notes are printed and kept in each summary either way
 *   --export run.zip     with --node and one run: the trained run's zip (the page's format) with the test split's
 *                        logits, for the PyTorch twins: python3 -m moe_playground.parity run.zip --data F.csv
 *   --soak N             (with --node) train exactly N steps, as many epochs as that takes, and print
 *                        numTensors, tensor bytes and the process's RSS at the start, middle and end
 *
 * First runs Check data on the experiment's data and prints its notes as a JSON line ({"event":"data"}).
 * Trains an experiment or a plan (the JSON the UI saves and shares: one model or several, and seeds), each
 * configuration once per seed on the same split, and prints one JSON line per evaluation; the last line
 * per run is the summary (backend, throughput, kernels per step, valid AUC per epoch, test metrics).
 * Default: headless Chromium through the real worker on the built site (run `npm run build` first).
 * --node: in Node on the cpu backend, or --backend wasm (a thread per core), or --backend webgpu (Dawn: the GPU's
 *   Vulkan driver, or without one SwiftShader from Debian's chromium, for which the bench restarts itself with
 *   LD_LIBRARY_PATH and VK_ICD_FILENAMES set; see scripts/bench/dawn.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandPlan, parsePlan, type ExperimentPlan, type PlannedModel } from '../src/engine/experiment';
import { registeredModels } from '../src/engine/models/registry';
import { checkBenchData } from './bench/dataCheck';
import { comparisonTable, markdownTable, stepCostTable } from './bench/table';
import { runInBrowser } from './bench/browser';
import { runInNode, stepCostInNode } from './bench/node';
import { runTwin, twinComparison, type TwinTimings } from './bench/torch';
import { dawnAdapter } from './bench/dawn';
import { swiftShaderEnv, usesSwiftShader } from './bench/swiftShader';
import { resolveData } from './bench/summary';

interface Args {
  experiment?: string;
  node: boolean;
  backend?: string;
  seeds?: number[];
  listModels: boolean;
  models?: string[];
  preset?: string;
  markdown: boolean;
  torch: boolean;
  stepCost: boolean;
  threads?: number;
  allowDataErrors: boolean;
  exportTo?: string;
  soak?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    node: false,
    listModels: false,
    markdown: false,
    torch: false,
    stepCost: false,
    allowDataErrors: false,
  };
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
    else if (a === '--seeds')
      args.seeds = value()
        .split(',')
        .map((s) => Number.parseInt(s, 10));
    else if (a === '--list-models') args.listModels = true;
    else if (a === '--models') args.models = value().split(',');
    else if (a === '--preset') args.preset = value();
    else if (a === '--markdown') args.markdown = true;
    else if (a === '--torch') args.torch = true;
    else if (a === '--step-cost') args.stepCost = true;
    else if (a === '--threads') args.threads = Number.parseInt(value(), 10);
    else if (a === '--allow-data-errors') args.allowDataErrors = true;
    else if (a === '--export') args.exportTo = path.resolve(value());
    else if (a === '--soak') args.soak = Number.parseInt(value(), 10);
    else throw new Error(`unknown argument ${a} (see the header of scripts/bench.ts)`);
  }
  return args;
}

async function main(): Promise<void> {
  // The upload benchmark has its own arguments (see scripts/bench/upload.ts).
  if (process.argv.includes('--upload'))
    return (await import('./bench/upload')).uploadBench(process.argv.slice(2));
  // The page-smoothness benchmark has its own arguments (see scripts/bench/smoothness.ts).
  if (process.argv.includes('--smoothness'))
    return (await import('./bench/smoothness')).smoothnessBench(process.argv.slice(2));
  const args = parseArgs(process.argv.slice(2));
  if (args.listModels) {
    console.log(JSON.stringify(registeredModels().map((m) => m.id)));
    return;
  }
  if (!args.experiment) throw new Error('--experiment <file.json> is required');
  if (args.torch && !args.node) throw new Error('--torch compares the Node runs: add --node');
  if (args.soak !== undefined && !(args.node && args.soak > 0))
    throw new Error('--soak N needs --node and a number of steps above 0');
  if (args.node && args.backend === 'webgpu' && !usesSwiftShader(process.env) && !(await dawnAdapter())) {
    // No GPU driver: SwiftShader's Vulkan loader is found only through LD_LIBRARY_PATH set when a process starts.
    const env = swiftShaderEnv(process.env);
    if (!env)
      throw new Error(
        '--backend webgpu: Dawn found no GPU adapter and chromium (for SwiftShader) is not installed',
      );
    console.log(
      JSON.stringify({
        event: 'restart',
        reason: 'no GPU adapter: running Dawn on SwiftShader',
        VK_ICD_FILENAMES: env.VK_ICD_FILENAMES,
      }),
    );
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env,
      stdio: 'inherit',
    });
    process.exit(child.status ?? 1);
  }
  const file = path.resolve(args.experiment);
  const plan = parsePlan(JSON.parse(readFileSync(file, 'utf8')));
  const data = resolveData(plan.data, path.dirname(file));
  const notes = await checkBenchData(data.path, plan.data, args.allowDataErrors);
  const summaries: Record<string, unknown>[] = [];
  const runs = expandPlan({ ...plan, models: modelsToRun(plan, args), seeds: args.seeds ?? plan.seeds });
  if (args.exportTo && (!args.node || runs.length !== 1)) {
    throw new Error(
      `--export writes one run's zip from Node: add --node and choose one run (this plan has ${runs.length})`,
    );
  }
  // The twin gets the threads the WASM runs get: one per core unless --threads says otherwise.
  const twinThreads = args.threads ?? os.cpus().length;
  for (const run of runs) {
    if (args.stepCost) {
      if (!args.node) throw new Error('--step-cost runs in Node: add --node');
      summaries.push(await stepCostInNode(run, data.path, args.backend ?? 'cpu'));
      continue;
    }
    const twin = (threads?: number) => runTwin(run.experiment, data.path, threads);
    const before = args.torch ? [twin(), twin(twinThreads)] : null;
    const summary = args.node
      ? await runInNode(run, data, args.backend ?? 'cpu', notes, {
          exportTo: args.exportTo,
          wasmThreads: args.threads,
          soak: args.soak,
        })
      : await runInBrowser(run, data, args.backend ?? 'auto', notes);
    summaries.push(summary);
    if (before) {
      const after = [twin(), twin(twinThreads)];
      const timings: TwinTimings = {
        defaultThreads: [before[0], after[0]],
        sameThreads: [before[1], after[1]],
      };
      console.log(JSON.stringify(twinComparison(summary, timings)));
    }
  }
  if (args.stepCost) {
    if (args.markdown) console.log(stepCostTable(summaries));
    return;
  }
  if (args.markdown) console.log(`${markdownTable(summaries)}\n\n${comparisonTable(summaries)}`);
  // A run that broke its weights still printed its best epoch's figures, but must not pass for a good run.
  const failures = summaries.filter((s) => typeof s.failure === 'string');
  for (const s of failures) console.error(`${String(s.name)} (seed ${String(s.seed)}): ${String(s.failure)}`);
  if (failures.length > 0) process.exitCode = 1;
}

/** The plan's own configurations, or each requested model with its defaults or its preset matching --preset. */
function modelsToRun(plan: ExperimentPlan, args: Args): PlannedModel[] {
  if (!args.models) return plan.models;
  const infos = registeredModels();
  const ids = args.models.includes('all') ? infos.map((m) => m.id) : args.models;
  return ids.map((id) => {
    const info = infos.find((m) => m.id === id);
    if (!info)
      throw new Error(`--models: unknown model "${id}" (known: ${infos.map((m) => m.id).join(', ')})`);
    const preset = args.preset
      ? info.presets.find((p) => p.name.startsWith(args.preset as string))
      : undefined;
    return { name: id, id, options: preset ? { ...preset.options } : {}, train: {} };
  });
}

// Threaded WASM's pthread workers keep Node's event loop alive after the last run: exit when main is done.
main().then(
  () => process.exit(),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
