/**
 * The only module that talks to the data worker: it reads uploads off the main thread (progress, cancel),
 * checks mappings, and keeps the files in IndexedDB. One long-lived worker holds the parsed table between a
 * mapping edit and the next check.
 */
import { fileSizeProblem, gzipIsize } from '../../engine/data/sizeLimit';
import { isGzip } from '../../engine/data/gzip';
import type { DataMapping } from '../../engine/data/types';
import type { DataCommand, DataEvent } from '../../workers/dataProtocol';
import { listUploads, loadUpload, removeUpload, saveUpload, saveUploadMapping } from '../persist/uploads';
import { useStore } from '../state/store';
import { mappingKey, newSession } from '../state/uploadSession';

let worker: Worker | null = null;
let counter = 0;
/** The mapping to restore once a reopened file is parsed again. */
const restoreMapping = new Map<string, DataMapping>();
/** Sessions read without being asked for (a kept file a reload restores): the main area stays on its view. */
const quiet = new Set<string>();

function dataWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('../../workers/data.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<DataEvent>) => onEvent(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    const id = useStore.getState().upload?.id;
    worker = null;
    if (id)
      onEvent({
        type: 'error',
        id,
        message: `the data worker failed: ${e.message || 'it could not be loaded'}`,
      });
  };
  worker = w;
  return w;
}

function send(cmd: DataCommand, transfer: Transferable[] = []): void {
  dataWorker().postMessage(cmd, transfer);
}

/** The JS heap the page may use, where the browser says (Chromium); elsewhere the engine assumes 4 GiB. */
function heapLimitBytes(): number | undefined {
  return (performance as Performance & { memory?: { jsHeapSizeLimit: number } }).memory?.jsHeapSizeLimit;
}

/** Refuses, before reading it, a file the page cannot hold; gzip files are judged by their unpacked size. */
async function sizeProblem(file: Blob, name: string): Promise<string | null> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzipUncompressedBytes = isGzip(head)
    ? gzipIsize(new Uint8Array(await file.slice(Math.max(0, file.size - 4)).arrayBuffer()))
    : undefined;
  return fileSizeProblem(file.size, { name, gzipUncompressedBytes, heapLimitBytes: heapLimitBytes() });
}

function onEvent(ev: DataEvent): void {
  const { patchUpload, selectUpload, setMapping } = useStore.getState();
  switch (ev.type) {
    case 'progress':
      patchUpload(ev.id, () => ({ progress: { bytesRead: ev.bytesRead, totalBytes: ev.totalBytes } }));
      break;
    case 'inspected': {
      const { inspection } = ev;
      patchUpload(ev.id, () => ({ phase: 'ready', inspection, progress: null }));
      selectUpload();
      // A file the person just gave: its column mapping is the next thing to do.
      if (!quiet.delete(ev.id) && useStore.getState().upload?.id === ev.id) {
        useStore.getState().setView('mapping');
        useStore.getState().setOpenStep('mapping');
      }
      const kept = restoreMapping.get(inspection.sha256);
      restoreMapping.delete(inspection.sha256);
      if (kept) setMapping({ ...kept, path: inspection.name, sha256: inspection.sha256 });
      const info = {
        sha256: inspection.sha256,
        name: inspection.name,
        bytes: inspection.bytes,
        rows: inspection.rows,
        columns: inspection.header.length,
        savedAt: Date.now(),
      };
      const file = useStore.getState().upload?.file;
      if (file)
        void saveUpload(info, file, kept ?? null).then(refreshSaved, (e: unknown) =>
          useStore
            .getState()
            .setUiError(`The file could not be kept for the next visit: ${(e as Error).message}`),
        );
      break;
    }
    case 'checked':
      patchUpload(ev.id, (u) =>
        u.check.status === 'checking'
          ? {
              check: {
                status: 'done',
                mappingKey: u.check.mappingKey,
                report: ev.report,
                encodeMs: ev.encodeMs,
              },
            }
          : {},
      );
      break;
    case 'cancelled':
      patchUpload(ev.id, () => ({ phase: 'cancelled', progress: null }));
      break;
    case 'error': {
      const problem = { message: ev.message, column: ev.column, row: ev.row };
      patchUpload(ev.id, (u) =>
        u.check.status === 'checking'
          ? { check: { status: 'error', mappingKey: u.check.mappingKey, problem } }
          : { phase: 'error', error: problem, progress: null },
      );
      break;
    }
  }
}

/**
 * Reads a file the person picked or dropped (or one reopened from IndexedDB). `quietly`: read without being asked
 * for, so the page does not switch to its mapping.
 */
export async function openFile(file: Blob, name: string, quietly = false): Promise<void> {
  const { upload, setUpload, patchUpload } = useStore.getState();
  if (upload?.phase === 'reading') send({ type: 'cancel', id: upload.id });
  const id = `upload-${++counter}`;
  if (quietly) quiet.add(id);
  setUpload(newSession(id, file, name));
  const tooLarge = await sizeProblem(file, name);
  if (tooLarge) {
    patchUpload(id, () => ({ phase: 'error', error: { message: tooLarge } }));
    return;
  }
  send({ type: 'inspect', id, file, name, heapLimitBytes: heapLimitBytes() });
}

export function cancelUpload(): void {
  const upload = useStore.getState().upload;
  if (upload?.phase === 'reading') send({ type: 'cancel', id: upload.id });
}

/** Encodes the uploaded table with the current mapping in the worker and reports what training would see. */
export function checkMapping(): void {
  const { upload, experiment, patchUpload } = useStore.getState();
  if (!upload?.inspection) return;
  const key = mappingKey(experiment.data);
  patchUpload(upload.id, () => ({ check: { status: 'checking', mappingKey: key } }));
  send({ type: 'check', id: upload.id, mapping: experiment.data });
  void saveUploadMapping(upload.inspection.sha256, experiment.data).catch(() => undefined);
}

export async function refreshSaved(): Promise<void> {
  useStore.getState().setSavedUploads(await listUploads());
}

export async function reopenSaved(sha256: string): Promise<void> {
  const saved = await loadUpload(sha256);
  const info = useStore.getState().savedUploads.find((u) => u.sha256 === sha256);
  if (!saved || !info) {
    useStore.getState().setUiError('That file is no longer kept in this browser: upload it again');
    await refreshSaved();
    return;
  }
  if (saved.mapping) restoreMapping.set(sha256, saved.mapping);
  await openFile(saved.file, info.name);
}

/**
 * After a reload: the file the experiment reads (the address bar names it, with its hash), when this browser
 * keeps it, is read again without a click; the experiment's mapping stays as the link has it.
 */
export async function restoreKeptUpload(): Promise<void> {
  const { pendingUpload, savedUploads, upload } = useStore.getState();
  if (!pendingUpload || upload) return;
  const kept = savedUploads.find((u) =>
    pendingUpload.sha256 !== null ? u.sha256 === pendingUpload.sha256 : u.name === pendingUpload.name,
  );
  const saved = kept && (await loadUpload(kept.sha256));
  if (!kept || !saved) return;
  await openFile(saved.file, pendingUpload.name, true);
}

export async function forgetSaved(sha256: string): Promise<void> {
  await removeUpload(sha256);
  const { upload, setUpload } = useStore.getState();
  if (upload?.inspection?.sha256 === sha256) setUpload(null);
  await refreshSaved();
}
