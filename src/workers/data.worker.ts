/**
 * The data worker: streams an uploaded file (gzip too) through the engine's parser with progress and
 * cancellation, profiles it, proposes a mapping, and checks edited mappings against the table it keeps.
 * The page stays responsive because none of this runs on the main thread.
 */
import { dataReport } from '../engine/data/checks';
import { encodeDataset } from '../engine/data/encode';
import { layoutMapping, recognizeLayout } from '../engine/data/layouts';
import { readTable, tapped } from '../engine/data/load';
import { profileTable } from '../engine/data/profile';
import { proposeMapping } from '../engine/data/propose';
import type { RawTable } from '../engine/data/table';
import { DataError } from '../engine/data/types';
import { Sha256 } from '../engine/io/sha256';
import type { DataCommand, DataEvent } from './dataProtocol';

/** Progress messages are throttled: a message per 64 KiB chunk would flood the page for no visible gain. */
const PROGRESS_INTERVAL_MS = 100;

let table: { name: string; table: RawTable } | null = null;
let running: { id: string; abort: AbortController } | null = null;

function post(e: DataEvent): void {
  self.postMessage(e);
}

function fail(id: string, e: unknown): void {
  if (e instanceof DOMException && e.name === 'AbortError') {
    post({ type: 'cancelled', id });
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  const where = e instanceof DataError ? { column: e.column, row: e.row } : {};
  post({ type: 'error', id, message, ...where });
}

async function inspect(
  id: string,
  file: Blob,
  name: string,
  heapLimitBytes: number | undefined,
): Promise<void> {
  table = null;
  const abort = new AbortController();
  running = { id, abort };
  const t0 = performance.now();
  let lastPost = 0;
  // Hashed as the parser reads it (the file as uploaded, compressed bytes when gzip: what a shared experiment
  // names), never held whole a second time.
  const hash = new Sha256();
  const parsed = await readTable(
    tapped(file.stream(), (chunk) => hash.update(chunk)),
    {
      name,
      signal: abort.signal,
      // The page judged the file by its gzip trailer; this counts what it really holds (several members, a bomb).
      csvLimit: { heapLimitBytes },
      onProgress: (bytesRead) => {
        const now = performance.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: 'progress', id, bytesRead, totalBytes: file.size });
      },
    },
  );
  const parseMs = performance.now() - t0;
  abort.signal.throwIfAborted();
  const profile = profileTable(parsed);
  const layout = recognizeLayout(parsed.header);
  // A hash of part of the file would name another file: the parser must have read every byte.
  if (hash.bytes !== file.size)
    throw new Error(
      `${name}: the parser read ${hash.bytes} of its ${file.size} bytes, so its SHA-256 is unknown`,
    );
  const sha256 = hash.hex();
  table = { name, table: parsed };
  post({
    type: 'inspected',
    id,
    inspection: {
      name,
      bytes: file.size,
      sha256,
      rows: parsed.numRows,
      header: parsed.header,
      skipped: parsed.skipped,
      notes: parsed.notes,
      profile,
      proposal: proposeMapping(profile, parsed),
      layout: layout && {
        id: layout.id,
        name: layout.name,
        description: layout.description,
        mapping: layoutMapping(layout, parsed.header),
      },
      parseMs,
    },
  });
}

function check(id: string, cmd: Extract<DataCommand, { type: 'check' }>): void {
  if (!table) throw new Error('no file is loaded in the data worker: upload it again');
  const t0 = performance.now();
  const ds = encodeDataset(table.table, cmd.mapping, {});
  post({ type: 'checked', id, report: dataReport(ds), encodeMs: performance.now() - t0 });
}

self.onmessage = (e: MessageEvent<DataCommand>) => {
  const cmd = e.data;
  switch (cmd.type) {
    case 'inspect':
      running?.abort.abort();
      inspect(cmd.id, cmd.file, cmd.name, cmd.heapLimitBytes)
        .catch((err: unknown) => fail(cmd.id, err))
        .finally(() => {
          if (running?.id === cmd.id) running = null;
        });
      break;
    case 'check':
      try {
        check(cmd.id, cmd);
      } catch (err) {
        fail(cmd.id, err);
      }
      break;
    case 'cancel':
      if (running?.id === cmd.id) running.abort.abort();
      break;
  }
};
