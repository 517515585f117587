/**
 * A training run's dataset: parsed from its source, or handed over by an earlier run of the same file and mapping
 * (an `encoded` source, so a comparison parses its file once), and the `data` event that describes it. Worker
 * code without worker globals: the unit tests run it in Node.
 */
import { cellStats } from '../engine/data/encode';
import { loadDataset, type DataInput } from '../engine/data/load';
import { dataShapeOf, type DataMapping, type EncodedDataset, type TaskSpec } from '../engine/data/types';
import { splitFingerprint } from './fingerprint';
import type { DataSource, WorkerEvent } from './protocol';

async function readSource(source: Exclude<DataSource, { kind: 'encoded' }>): Promise<DataInput> {
  if (source.kind === 'text') return source.text;
  if (source.kind === 'blob') return source.blob.stream();
  const res = await fetch(source.url);
  if (!res.ok) throw new Error(`could not load ${source.url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** What must agree between a handed-over dataset and the run's mapping: a keying slip would train on other data. */
function mappingMismatch(dataset: EncodedDataset, mapping: DataMapping): string | null {
  const { schema } = dataset;
  if (schema.domainColumn !== mapping.domain)
    return `its domain column is ${schema.domainColumn}, the run's ${mapping.domain}`;
  const taskText = (tasks: readonly TaskSpec[]) =>
    tasks.map((t) => `${t.name}: ${t.column} ${t.rule}`).join(', ');
  const had = taskText(schema.tasks);
  const wanted = taskText(mapping.tasks);
  return had === wanted ? null : `its tasks are ${had}, the run's ${wanted}`;
}

export async function runDataset(source: DataSource, mapping: DataMapping): Promise<EncodedDataset> {
  if (source.kind !== 'encoded')
    return loadDataset(await readSource(source), mapping, {
      name: source.kind === 'url' ? source.url : source.name,
    });
  const mismatch = mappingMismatch(source.dataset, mapping);
  if (mismatch)
    throw new Error(
      `the dataset of ${source.name} shared from run "${source.parsedBy}" does not fit this run's mapping (${mismatch}): start the run again`,
    );
  return source.dataset;
}

type Column = Int32Array | Float32Array | Uint8Array;

function inSharedMemory<T extends Column>(column: T): T {
  const Same = column.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Same(new SharedArrayBuffer(column.byteLength));
  copy.set(column);
  return copy;
}

/**
 * The dataset as it is handed to later runs. Where the page is cross-origin isolated, its arrays move into
 * SharedArrayBuffers once (this run trains on those too), so every later worker reads the same memory and none
 * copies it; elsewhere SharedArrayBuffer is unavailable and the arrays stay as they are: each postMessage copies
 * them (still one parse). Nothing writes to a dataset's arrays after encoding (batches copy rows out, an epoch
 * shuffles a copy of the train rows), so sharing them is safe.
 */
export function shareable(dataset: EncodedDataset, crossOriginIsolated: boolean): EncodedDataset {
  if (!crossOriginIsolated) return dataset;
  const { splits } = dataset;
  return {
    ...dataset,
    cat: inSharedMemory(dataset.cat),
    num: inSharedMemory(dataset.num),
    domain: inSharedMemory(dataset.domain),
    labels: inSharedMemory(dataset.labels),
    labelMask: inSharedMemory(dataset.labelMask),
    splits: {
      train: inSharedMemory(splits.train),
      valid: inSharedMemory(splits.valid),
      test: inSharedMemory(splits.test),
    },
  };
}

/** The run's `data` event: the same for a parsed and a shared dataset but for `sharedFrom`. */
export function dataEvent(
  runId: string,
  dataset: EncodedDataset,
  source: DataSource,
): Extract<WorkerEvent, { type: 'data' }> {
  const shape = dataShapeOf(dataset.schema);
  return {
    type: 'data',
    runId,
    rows: dataset.numRows,
    splitRows: {
      train: dataset.splits.train.length,
      valid: dataset.splits.valid.length,
      test: dataset.splits.test.length,
    },
    domains: shape.domainNames,
    tasks: shape.taskNames,
    cells: cellStats(dataset, 'train'),
    vocabSize: shape.vocabSize,
    skipped: dataset.skipped,
    fingerprint: splitFingerprint(dataset),
    ...(source.kind === 'encoded' ? { sharedFrom: source.parsedBy } : {}),
  };
}
