/**
 * One training run per worker: it owns the tfjs backend, its copy of the dataset, the model and the
 * trainer, and streams events back at a bounded rate. Only protocol.ts messages cross.
 */
import { loadDataset } from '../engine/data/load';
import { cellStats } from '../engine/data/encode';
import { DataError, dataShapeOf } from '../engine/data/types';
import { buildModel } from '../engine/models/registry';
import { RunControl } from '../engine/train/control';
import { Trainer } from '../engine/train/trainer';
import { Rng } from '../engine/util/rng';
import { chooseBackend, deviceLost } from './backendChoice';
import { PROTOCOL_VERSION, type StartCommand, type WorkerCommand, type WorkerEvent } from './protocol';

const control = new RunControl();
let runId = '';
let evaluated = false;

function post(e: WorkerEvent): void {
  self.postMessage(e);
}

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  const where = e instanceof DataError ? { column: e.column, row: e.row } : {};
  post({ type: 'error', runId, message, ...where, keptResults: evaluated });
}

async function readSource(cmd: StartCommand): Promise<Uint8Array | string> {
  if (cmd.source.kind === 'text') return cmd.source.text;
  const res = await fetch(cmd.source.url);
  if (!res.ok) throw new Error(`could not load ${cmd.source.url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function start(cmd: StartCommand): Promise<void> {
  if (cmd.version !== PROTOCOL_VERSION) throw new Error(`protocol version ${cmd.version} does not match the worker's ${PROTOCOL_VERSION}: reload the page`);
  runId = cmd.runId;
  post({ type: 'status', runId, status: 'loading' });
  const chosen = await chooseBackend(cmd.backend);
  post({ type: 'backend', runId, backend: chosen.backend, adapter: chosen.adapter, fallbacks: chosen.fallbacks });

  const dataset = await loadDataset(await readSource(cmd), cmd.mapping);
  const shape = dataShapeOf(dataset.schema);
  post({
    type: 'data',
    runId,
    rows: dataset.numRows,
    splitRows: { train: dataset.splits.train.length, valid: dataset.splits.valid.length, test: dataset.splits.test.length },
    domains: shape.domainNames,
    tasks: shape.taskNames,
    cells: cellStats(dataset, 'train'),
    vocabSize: shape.vocabSize,
    skipped: dataset.skipped,
  });

  const { model } = buildModel(cmd.model.id, cmd.model.options, {
    shape,
    embeddingDim: cmd.train.embeddingDim,
    rng: new Rng(cmd.train.seed),
    formulation: chosen.formulation,
  });
  const trainer = new Trainer({
    model,
    dataset,
    config: cmd.train,
    control,
    progressIntervalMs: 100,
    onEvent: (event) => {
      if (event.type === 'eval') evaluated = true;
      post({ type: 'train', runId, event });
    },
  });
  void deviceLost().then((reason) => {
    control.stop();
    post({ type: 'error', runId, message: `the GPU device was lost (${reason}); the run stopped and the results measured so far are kept`, keptResults: evaluated });
  });
  post({ type: 'status', runId, status: 'training' });
  await trainer.run();
  post({ type: 'profile', runId, kernelsPerStep: await trainer.kernelsPerStep() });
  trainer.dispose();
  model.params.dispose();
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
