/**
 * Every message between the UI and a training worker: one discriminated union each way, versioned.
 * Only these plain objects cross; the UI never sees a tensor.
 */
import type { DataMapping, EncodedDataset, SkippedRows } from '../engine/data/types';
import type { Experiment } from '../engine/experiment';
import type { TrainConfig } from '../engine/train/config';
import type { TrainEvent } from '../engine/train/events';
import type { EvalReport } from '../engine/train/report';

export const PROTOCOL_VERSION = 3;

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/**
 * Where the worker reads the CSV from (gzip detected by magic bytes): a URL it fetches (bundled sets), an
 * uploaded file (a Blob crosses to the worker by reference and is streamed there, never copied whole), or text.
 * `encoded` is a dataset an earlier run of the same file and mapping already parsed (`sharedDataset.ts`): the
 * worker reads nothing. `name` names the file in messages; `parsedBy` names the run whose parse it is.
 */
export type DataSource =
  | { kind: 'url'; url: string }
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'text'; text: string; name: string }
  | { kind: 'encoded'; dataset: EncodedDataset; name: string; parsedBy: string };

export interface StartCommand {
  type: 'start';
  version: number;
  runId: string;
  source: DataSource;
  mapping: DataMapping;
  model: { id: string; options: Record<string, unknown> };
  train: TrainConfig;
  backend: BackendChoice;
  /**
   * Start from an exported run (its .zip, transferred) instead of a fresh initialisation. The zip's own mapping,
   * model and embedding size are used (the weights must fit them); the data is `source`. `evaluate` scores the
   * weights on the valid and test splits with the zip's settings and ends; `continue` trains them further with
   * `train` (its embedding size aside).
   */
  init?: { zip: ArrayBuffer; mode: RunInitMode };
  /** Send the parsed dataset back (a `dataset` event): later runs of the same file and mapping are queued. */
  shareDataset?: boolean;
}

export type RunInitMode = 'evaluate' | 'continue';

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
      /** XNNPACK threads on wasm (one per core where the page is cross-origin isolated), null elsewhere. */
      threads?: number | null;
    }
  /** An `init` run's experiment as the worker read it from the .zip: what the run really is. */
  | { type: 'imported'; runId: string; experiment: Experiment }
  | { type: 'status'; runId: string; status: 'loading' | 'training' | 'evaluating' | 'paused' | 'stopping' }
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
      /** Hash of the split's row indices and the encoded schema: runs with equal ones saw the same rows. */
      fingerprint: string;
      /** The run whose parse this run's data is (an `encoded` source); absent where the run parsed the file. */
      sharedFrom?: string;
    }
  /**
   * The run's parsed dataset, for the later runs of the same file and mapping (asked by `shareDataset`). Its
   * arrays are in SharedArrayBuffers where the page is cross-origin isolated (no copy), else cloned.
   */
  | { type: 'dataset'; runId: string; dataset: EncodedDataset }
  /** The model is built: its size, for every run (an imported run scored without training has no `started`). */
  | { type: 'model'; runId: string; params: number }
  | { type: 'train'; runId: string; event: TrainEvent }
  /** Kernels one training step launches, measured with tf.profile after the run: on a GPU, the cost. */
  | { type: 'profile'; runId: string; kernelsPerStep: number }
  /** An `evaluate` run's result: the imported weights' test metrics (its valid pass came as a train `eval`). */
  | { type: 'evaluated'; runId: string; test: EvalReport }
  /** The finished run as a .zip (engine io format; the buffer is transferred), or why it could not be built. */
  | { type: 'export'; runId: string; zip: ArrayBuffer }
  | { type: 'export-failed'; runId: string; message: string }
  /** The worker's last message: it has nothing more to say and may be terminated. */
  | { type: 'closed'; runId: string }
  | { type: 'error'; runId: string; message: string; column?: string; row?: number; keptResults: boolean };

export function isWorkerCommand(v: unknown): v is WorkerCommand {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}
