/** An uploaded file as the page tracks it, from the first byte read to a checked mapping. */
import type { DataReport } from '../../engine/data/checks';
import type { DataMapping } from '../../engine/data/types';
import type { Inspection } from '../../workers/dataProtocol';

export interface UploadProblem {
  message: string;
  column?: string;
  row?: number;
}

export interface UploadSession {
  /** The data worker request this session belongs to; later messages of an older request are ignored. */
  id: string;
  file: Blob;
  name: string;
  bytes: number;
  phase: 'reading' | 'ready' | 'error' | 'cancelled';
  progress: { bytesRead: number; totalBytes: number } | null;
  inspection: Inspection | null;
  error: UploadProblem | null;
  check: UploadCheck;
}

export type UploadCheck =
  | { status: 'idle' }
  | { status: 'checking'; mappingKey: string }
  | { status: 'done'; mappingKey: string; report: DataReport; encodeMs: number }
  | { status: 'error'; mappingKey: string; problem: UploadProblem };

/** A file kept in IndexedDB, as the dataset list shows it (the bytes stay in the database until opened). */
export interface SavedUploadInfo {
  sha256: string;
  name: string;
  bytes: number;
  rows: number;
  columns: number;
  savedAt: number;
}

export function newSession(id: string, file: Blob, name: string): UploadSession {
  return {
    id,
    file,
    name,
    bytes: file.size,
    phase: 'reading',
    progress: null,
    inspection: null,
    error: null,
    check: { status: 'idle' },
  };
}

/**
 * A mapping's identity for "is this report about the mapping shown now?". The domains' display names change
 * nothing that training sees, so naming them leaves a check current.
 */
export function mappingKey(mapping: DataMapping): string {
  const { domainNames: _names, ...rest } = mapping;
  return JSON.stringify(rest);
}
