/**
 * Every message between the UI and a training worker: one discriminated union each way, versioned.
 * Only these plain objects cross; the UI never sees a tensor.
 */
import type { DataMapping, SkippedRows } from '../engine/data/types';
import type { TrainConfig } from '../engine/train/config';
import type { TrainEvent } from '../engine/train/events';

export const PROTOCOL_VERSION = 1;

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** Where the worker reads the CSV from: a URL it fetches (bundled sets; gzip detected by magic bytes) or text. */
export type DataSource = { kind: 'url'; url: string } | { kind: 'text'; text: string; name: string };

export interface StartCommand {
  type: 'start';
  version: number;
  runId: string;
  source: DataSource;
  mapping: DataMapping;
  model: { id: string; options: Record<string, unknown> };
  train: TrainConfig;
  backend: BackendChoice;
}

export type WorkerCommand =
  | StartCommand
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'stop'; runId: string };

/** Rows and positives of one domain × task cell of the encoded data (train split). */
export interface CellStats {
  rows: number;
  positives: number;
}

export type WorkerEvent =
  | {
      type: 'backend';
      runId: string;
      backend: BackendName;
      /** Adapter or renderer description where known (e.g. "google swiftshader"). */
      adapter: string | null;
      /** Why each faster backend was not used, in order of preference. */
      fallbacks: { backend: BackendName; reason: string }[];
    }
  | { type: 'status'; runId: string; status: 'loading' | 'training' | 'paused' | 'stopping' }
  | {
      type: 'data';
      runId: string;
      rows: number;
      splitRows: { train: number; valid: number; test: number };
      domains: string[];
      tasks: string[];
      /** [domain][task] on the train split. */
      cells: CellStats[][];
      vocabSize: number;
      skipped: SkippedRows;
    }
  | { type: 'train'; runId: string; event: TrainEvent }
  /** Kernels one training step launches, measured with tf.profile after the run: on a GPU, the cost. */
  | { type: 'profile'; runId: string; kernelsPerStep: number }
  | { type: 'error'; runId: string; message: string; column?: string; row?: number; keptResults: boolean };

export function isWorkerCommand(v: unknown): v is WorkerCommand {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}
