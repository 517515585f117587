/**
 * PyTorch on the same machine in the same run: the model's PyTorch twin (python/moe_playground, Debian's python3)
 * trains the very experiment the project's run trains (model, options, data, batch, steps), once before and once
 * after it, so that the ratio compares like with like on a machine whose load changes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Experiment } from '../../src/engine/experiment';

/** Debian's python3 with PyTorch (the pyenv python3 first on PATH has no torch). */
const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const REPO = path.resolve(import.meta.dirname, '../..');

export interface TwinRun {
  samplesPerSecond: number;
  msPerStep: number;
  threads: number;
  torch: string;
  testAuc: Record<string, number | null>;
  /** 1-minute load average when the run ended. */
  load: number;
}

/**
 * Trains `experiment` on `dataPath` with the PyTorch twin on the CPU, on `threads` threads, or on PyTorch's own
 * choice when undefined; its summary line's figures.
 */
export function runTwin(experiment: Experiment, dataPath: string, threads?: number): TwinRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-twin-'));
  try {
    const file = path.join(dir, 'experiment.json');
    writeFileSync(file, JSON.stringify(experiment));
    const args = ['-m', 'moe_playground.train', file, '--out', path.join(dir, 'run.zip')];
    const child = spawnSync(PYTHON, [...args, '--data', dataPath, '--device', 'cpu'], {
      encoding: 'utf8',
      // Idle OpenMP threads must not spin on a shared machine and slow the other side of the comparison.
      env: {
        ...process.env,
        PYTHONPATH: path.join(REPO, 'python'),
        ...(threads === undefined ? {} : { OMP_NUM_THREADS: String(threads) }),
        OMP_WAIT_POLICY: 'PASSIVE',
      },
      maxBuffer: 64 << 20,
    });
    if (child.status !== 0)
      throw new Error(
        `the PyTorch twin failed (exit ${child.status}): ${child.stderr || child.error?.message}`,
      );
    const line = child.stdout.split('\n').find((l) => l.includes('"event": "summary"'));
    if (!line) throw new Error(`the PyTorch twin printed no summary:\n${child.stdout}`);
    const s = JSON.parse(line) as Omit<TwinRun, 'load' | 'testAuc'> & {
      test: { auc: Record<string, number | null> };
    };
    return {
      samplesPerSecond: s.samplesPerSecond,
      msPerStep: s.msPerStep,
      threads: s.threads,
      torch: s.torch,
      testAuc: s.test.auc,
      load: Number(os.loadavg()[0].toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The twin's timings around one run: on PyTorch's own thread count (Debian's build takes one thread on this 2-core
 * machine) and on the run's, each before and after it.
 */
export interface TwinTimings {
  defaultThreads: [TwinRun, TwinRun];
  sameThreads: [TwinRun, TwinRun];
}

/**
 * One run's comparison line: its samples/s over PyTorch's faster setting (the mean of before and after), so that
 * the ratio is against PyTorch as fast as it runs here, not a thread count that suits it badly.
 */
export function twinComparison(summary: Record<string, unknown>, twin: TwinTimings): Record<string, unknown> {
  const mean = ([a, b]: [TwinRun, TwinRun]) => (a.samplesPerSecond + b.samplesPerSecond) / 2;
  const torch = Math.max(mean(twin.defaultThreads), mean(twin.sameThreads));
  return {
    event: 'torch-comparison',
    name: summary.name,
    seed: summary.seed,
    backend: summary.backend,
    threads: summary.threads,
    samplesPerSecond: summary.samplesPerSecond,
    torchDefaultThreads: twin.defaultThreads,
    torchSameThreads: twin.sameThreads,
    torchSamplesPerSecond: Math.round(torch),
    vsTorch: Number(((summary.samplesPerSecond as number) / torch).toFixed(3)),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
