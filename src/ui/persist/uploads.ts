/**
 * Uploaded files kept in IndexedDB (the file itself, as a Blob, and the mapping last used with it), so that a
 * reload does not ask for the file again. Keyed by content hash: the same file uploaded twice is kept once.
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { DataMapping } from '../../engine/data/types';
import type { SavedUploadInfo } from '../state/uploadSession';

interface SavedUpload extends SavedUploadInfo {
  file: Blob;
  mapping: DataMapping | null;
}

let db: UseStore | null = null;
/** Opened on first use: a page that never uploads never creates the database. */
function store(): UseStore {
  db ??= createStore('moe-playground-uploads', 'files');
  return db;
}

export async function saveUpload(
  info: SavedUploadInfo,
  file: Blob,
  mapping: DataMapping | null,
): Promise<void> {
  await set(info.sha256, { ...info, file, mapping } satisfies SavedUpload, store());
}

export async function saveUploadMapping(sha256: string, mapping: DataMapping): Promise<void> {
  const saved = await get<SavedUpload>(sha256, store());
  if (saved) await set(sha256, { ...saved, mapping }, store());
}

export async function listUploads(): Promise<SavedUploadInfo[]> {
  const all = await entries<string, SavedUpload>(store());
  return all
    .map(([, { file: _file, mapping: _mapping, ...info }]) => info)
    .sort((a, b) => b.savedAt - a.savedAt);
}

export async function loadUpload(
  sha256: string,
): Promise<{ file: Blob; mapping: DataMapping | null } | null> {
  const saved = await get<SavedUpload>(sha256, store());
  return saved ? { file: saved.file, mapping: saved.mapping } : null;
}

export async function removeUpload(sha256: string): Promise<void> {
  await del(sha256, store());
}
