/**
 * tfjs's wasm backend with one XNNPACK thread per core in Node. tfjs turns threads off in Node (tfjs issue 3830:
 * its pthread workers are Blob URLs, which Node's worker_threads cannot load) and sizes its pool at half the
 * cores even where threads work (tfjs issue 8513: the module caps at emscripten_num_logical_cores() / 2). Here the
 * worker script is written to a file and handed out in place of the Blob URL, and the core count the module reads
 * while it starts is doubled, so setThreadsCount(cores) is honoured. Both patches are undone once it has started.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { activateBackend } from '../../src/engine/kernels/backend';
import type { Formulation } from '../../src/engine/models/experts';

const require = createRequire(import.meta.url);

/** The threaded module's pthread worker and main script as files (Node's workers load files, not Blobs). */
function writeThreadFiles(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as {
    default?: () => unknown;
  };
  const mainScript = path.join(dir, 'main.js');
  writeFileSync(mainScript, `var WasmBackendModuleThreadedSimd = ${(factory.default ?? factory).toString()}`);
  const worker = path.join(dir, 'worker.js');
  // The worker loads the main script from the Blob it is sent: give it the file instead. tfjs escapes the
  // worker's newlines before making its Blob; the same here.
  const prelude = `URL.createObjectURL = () => ${JSON.stringify(mainScript)}; URL.revokeObjectURL = () => {};\n`;
  writeFileSync(worker, prelude + wasmWorkerContents.replace(/\n/g, '\\n'));
  return worker;
}

export interface ThreadedWasm {
  formulation: Formulation;
  threads: number;
}

/** Starts the wasm backend with `threads` threads (default: one per core). */
export async function startThreadedWasm(threads = os.cpus().length): Promise<ThreadedWasm> {
  const cores = Math.max(threads, os.cpus().length);
  const worker = writeThreadFiles();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = ((blob: Blob) =>
    blob.type === 'application/javascript' ? worker : createObjectURL(blob)) as typeof URL.createObjectURL;
  // The module caps at half the cores it sees: show it twice the cores (or the threads asked for).
  os.cpus = () => Array.from({ length: 2 * cores }, () => cpus()[0]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    const formulation = await activateBackend('wasm');
    if (!formulation) throw new Error('the threaded wasm backend did not start');
    return { formulation, threads: getThreadsCount() };
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}
