/**
 * PyTorch CPU on the same machine in the same run: bench/torch_mmoe.py (the census MMoE of the reference shape)
 * before and after the project's runs, so that the ratio compares like with like on a machine whose load changes.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** Debian's python3 with PyTorch 1.13 (the pyenv python3 first on PATH has no torch). */
const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, '../../bench/torch_mmoe.py');

export interface TorchRun {
  samplesPerSecond: number;
  msPerStep: number;
  threads: number;
  torch: string;
  /** 1-minute load average when the run ended. */
  load: number;
}

export function runTorch(steps = 60): TorchRun {
  const child = spawnSync(PYTHON, [SCRIPT, '--steps', String(steps)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  if (child.status !== 0)
    throw new Error(
      `${PYTHON} ${SCRIPT} failed (exit ${child.status}): ${child.stderr || child.error?.message}`,
    );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(line) as Omit<TorchRun, 'load'>), load: os.loadavg()[0] };
}

/** The comparison line: each run's samples/s over PyTorch's mean of before and after. */
export function torchComparison(
  before: TorchRun,
  after: TorchRun,
  summaries: Record<string, unknown>[],
): Record<string, unknown> {
  const torch = (before.samplesPerSecond + after.samplesPerSecond) / 2;
  return {
    event: 'torch-comparison',
    torchBefore: before,
    torchAfter: after,
    runs: summaries.map((s) => ({
      name: s.name,
      backend: s.backend,
      threads: s.threads,
      samplesPerSecond: s.samplesPerSecond,
      vsTorch: Number(((s.samplesPerSecond as number) / torch).toFixed(3)),
    })),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
