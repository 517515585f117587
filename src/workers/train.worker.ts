/**
 * One run per worker: it owns the tfjs backend, its copy of the dataset, the model and the trainer, and streams
 * events back at a bounded rate. A run trains a fresh model, or starts from an exported .zip (evaluated as is, or
 * trained further); a finished run is exported as a .zip for the page. Only protocol.ts messages cross.
 */
import { version as tfVersion } from '@tensorflow/tfjs';
import { version as APP_VERSION } from '../../package.json';
import { DataError, dataShapeOf, type EncodedDataset } from '../engine/data/types';
import type { Experiment } from '../engine/experiment';
import {
  exportRunZip,
  importRunZip,
  loadWeightsInto,
  runMetricsOf,
  type RunMetrics,
} from '../engine/io/modelZip';
import { buildModel } from '../engine/models/registry';
import { buildContext, type Model } from '../engine/models/types';
import type { TrainConfig } from '../engine/train/config';
import { evaluate } from '../engine/train/evaluate';
import type { EvalReport } from '../engine/train/report';
import { RunControl } from '../engine/train/control';
import { Trainer } from '../engine/train/trainer';
import { Rng } from '../engine/util/rng';
import { backendCapacity, budgetProblem } from '../engine/budget';
import { evalBatchSize } from '../engine/train/evaluate';
import { chooseBackend, type ChosenBackend } from './backendChoice';
import { deviceFault, deviceLimits, watchDevice } from './deviceFaults';
import { PROTOCOL_VERSION, type StartCommand, type WorkerCommand, type WorkerEvent } from './protocol';
import { dataEvent, runDataset, shareable } from './runData';
import { uncaughtMessage } from './uncaught';

const control = new RunControl();
let runId = '';
let evaluated = false;
/** A run fails once: the first fault is the one reported, and whatever it breaks after is not. */
let failed = false;

function post(e: WorkerEvent): void {
  self.postMessage(e);
}

/** Messages of a WebGPU operation that failed under it (a buffer read, a submit): the device may be gone. */
const GPU_FAILURE = /GPUBuffer|GPUDevice|GPUQueue|mapAsync|device (is |was )?lost/i;

/** The messages JS engines and the WASM runtime give when an allocation is refused. */
const OUT_OF_MEMORY =
  /allocation failed|out of memory|cannot enlarge memory|invalid (typed )?array (buffer )?length|memory access out of bounds/i;

function fail(e: unknown): void {
  if (failed) return;
  failed = true;
  control.stop();
  void report(e);
}

/** The failure as the person should read it: a broken device's own fault before whatever error it caused. */
async function report(e: unknown): Promise<void> {
  let message = e instanceof Error ? e.message : String(e);
  // A GPU operation failing is how a lost device first shows (its lost promise resolves after, seconds later on
  // a busy machine): wait longer for the device's own word then.
  const fault = await deviceFault(GPU_FAILURE.test(message) ? 10_000 : 500);
  if (fault) message = `${fault}; the run stopped`;
  else if (OUT_OF_MEMORY.test(message))
    message = `the browser refused the run memory (${message}): lower train.batchSize, train.embeddingDim or the model's size`;
  const where = e instanceof DataError ? { column: e.column, row: e.row } : {};
  post({ type: 'error', runId, message, ...where, keptResults: evaluated });
}

// An exception outside the run's own promise chain (a timer, a tfjs callback) still ends the run with a message.
self.addEventListener('error', (e: ErrorEvent) => {
  e.preventDefault();
  fail(new Error(`the training worker failed: ${uncaughtMessage(e)}`));
});
self.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  e.preventDefault();
  fail(
    new Error(
      `the training worker failed: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`,
    ),
  );
});

/**
 * The experiment an `init` run really is: the zip's mapping, model, embedding size and domain input field (the
 * weights fit only them); its settings when evaluating, the page's when training further.
 */
function importedExperiment(cmd: StartCommand, zip: Experiment): Experiment {
  if (cmd.init?.mode === 'evaluate') return zip;
  return {
    data: zip.data,
    model: zip.model,
    train: { ...cmd.train, embeddingDim: zip.train.embeddingDim, domainInput: zip.train.domainInput },
  };
}

/** Scores loaded weights without training: a valid pass (shown like any evaluation), then the test pass. */
async function evaluateOnly(model: Model, dataset: EncodedDataset, train: TrainConfig): Promise<RunMetrics> {
  post({ type: 'status', runId, status: 'evaluating' });
  const rng = new Rng(train.seed);
  const valid = await evaluate(model, dataset, dataset.splits.valid, train.batchSize, rng, 'valid');
  if (model.inspect) valid.inspect = await model.inspect();
  post({ type: 'train', runId, event: { type: 'eval', step: 0, epoch: 0, report: valid } });
  evaluated = true;
  const test = await evaluate(model, dataset, dataset.splits.test, train.batchSize, rng, 'test');
  if (model.inspect) test.inspect = await model.inspect();
  post({ type: 'evaluated', runId, test });
  return { test, valid, reason: 'evaluated' };
}

async function trainModel(model: Model, dataset: EncodedDataset, train: TrainConfig): Promise<RunMetrics> {
  // The last full valid pass (the end of an epoch) goes into the export with the test pass.
  let valid: EvalReport | undefined;
  const trainer = new Trainer({
    model,
    dataset,
    config: train,
    control,
    progressIntervalMs: 100,
    onEvent: (event) => {
      if (event.type === 'eval') {
        evaluated = true;
        if (!event.report.partial) valid = event.report;
      }
      post({ type: 'train', runId, event });
    },
  });
  post({ type: 'status', runId, status: 'training' });
  const done = await trainer.run();
  post({ type: 'profile', runId, kernelsPerStep: await trainer.kernelsPerStep() });
  trainer.dispose();
  return runMetricsOf(done, valid);
}

/** The finished run as a .zip, transferred to the page; a failure costs the export only, never the results. */
async function postExport(
  experiment: Experiment,
  dataset: EncodedDataset,
  model: Model,
  metrics: RunMetrics,
  backend: ChosenBackend,
): Promise<void> {
  try {
    const zip = await exportRunZip({
      experiment,
      schema: dataset.schema,
      params: model.params,
      metrics,
      environment: {
        backend: backend.backend,
        adapter: backend.adapter,
        userAgent: navigator.userAgent,
        tfjs: tfVersion.tfjs,
        app: APP_VERSION,
        seed: experiment.train.seed,
      },
    });
    // The zip's own buffer when it spans it (transferred, not copied), else a copy of just its bytes.
    const buffer = (
      zip.byteOffset === 0 && zip.buffer.byteLength === zip.byteLength ? zip.buffer : zip.slice().buffer
    ) as ArrayBuffer;
    self.postMessage({ type: 'export', runId, zip: buffer } satisfies WorkerEvent, { transfer: [buffer] });
  } catch (e) {
    post({ type: 'export-failed', runId, message: e instanceof Error ? e.message : String(e) });
  }
}

async function start(cmd: StartCommand): Promise<void> {
  if (cmd.version !== PROTOCOL_VERSION)
    throw new Error(
      `protocol version ${cmd.version} does not match the worker's ${PROTOCOL_VERSION}: reload the page`,
    );
  runId = cmd.runId;
  post({ type: 'status', runId, status: 'loading' });
  // A zip that cannot be read fails before any data is loaded.
  const imported = cmd.init ? importRunZip(new Uint8Array(cmd.init.zip)) : null;
  const experiment: Experiment = imported
    ? importedExperiment(cmd, imported.experiment)
    : { data: cmd.mapping, model: cmd.model, train: cmd.train };
  if (imported) post({ type: 'imported', runId, experiment });
  const chosen = await chooseBackend(cmd.backend);
  post({
    type: 'backend',
    runId,
    backend: chosen.backend,
    adapter: chosen.adapter,
    fallbacks: chosen.fallbacks,
    threads: chosen.threads,
  });
  watchDevice(chosen.backend, (fault) => fail(new Error(fault)));

  const parsed = await runDataset(cmd.source, experiment.data);
  const dataset = cmd.shareDataset ? shareable(parsed, self.crossOriginIsolated) : parsed;
  // Before this run's own data event: the runs waiting for this parse start while this one trains.
  if (cmd.shareDataset) post({ type: 'dataset', runId, dataset });
  post(dataEvent(runId, dataset, cmd.source));
  const shape = dataShapeOf(dataset.schema);

  // Refused before anything is built: a run that cannot fit would hang the worker or take the tab down.
  const scoreOnly = cmd.init?.mode === 'evaluate';
  const evalRows = Math.max(dataset.splits.valid.length, dataset.splits.test.length);
  const budget = budgetProblem(
    {
      model: experiment.model,
      train: scoreOnly
        ? { ...experiment.train, batchSize: evalBatchSize(experiment.train.batchSize, evalRows) }
        : experiment.train,
      evaluateOnly: scoreOnly,
    },
    shape,
    backendCapacity(chosen.backend, deviceLimits(chosen.backend)),
  );
  if (budget) throw new Error(`${imported ? "the imported zip's settings do not fit: " : ''}${budget}`);
  const { model } = buildModel(
    experiment.model.id,
    experiment.model.options,
    buildContext(shape, experiment.train, new Rng(experiment.train.seed), chosen.formulation),
  );
  post({ type: 'model', runId, params: model.params.count() });
  try {
    if (imported)
      loadWeightsInto(model, imported.weights, dataset.schema, imported.schema, {
        zip: imported.experiment.model,
        built: experiment.model,
      });
    const metrics = scoreOnly
      ? await evaluateOnly(model, dataset, experiment.train)
      : await trainModel(model, dataset, experiment.train);
    await postExport(experiment, dataset, model, metrics, chosen);
    post({ type: 'closed', runId });
  } finally {
    model.params.dispose();
  }
}

self.onmessage = (e: MessageEvent<WorkerCommand>) => {
  const cmd = e.data;
  switch (cmd.type) {
    case 'start':
      start(cmd).catch(fail);
      break;
    case 'pause':
      control.pause();
      post({ type: 'status', runId, status: 'paused' });
      break;
    case 'resume':
      control.resume();
      post({ type: 'status', runId, status: 'training' });
      break;
    case 'stop':
      control.stop();
      post({ type: 'status', runId, status: 'stopping' });
      break;
  }
};
