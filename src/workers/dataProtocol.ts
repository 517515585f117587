/**
 * Messages between the page and the data worker, which parses an uploaded file off the main thread, profiles
 * its columns, proposes a mapping and, once the person has edited it, checks it — all before any training.
 * The parsed table stays in the worker: only summaries cross.
 */
import type { DataReport } from '../engine/data/checks';
import type { KnownLayout } from '../engine/data/layouts';
import type { TableProfile } from '../engine/data/profile';
import type { Proposal } from '../engine/data/propose';
import type { DataMapping, SkippedRows } from '../engine/data/types';

export type DataCommand =
  /** Parse and profile a file; a new inspect replaces the table kept from the last one. */
  | {
      type: 'inspect';
      id: string;
      file: Blob;
      name: string;
      /** The page's JS heap limit where the browser says: the parse stops past what it can hold. */
      heapLimitBytes?: number;
    }
  /** Encode the kept table with a mapping and report what training would see. */
  | { type: 'check'; id: string; mapping: DataMapping }
  | { type: 'cancel'; id: string };

/** A recognised layout as it crosses to the page: its mapping already built for this file's header. */
export interface LayoutMatch {
  id: KnownLayout['id'];
  name: string;
  description: string;
  mapping: DataMapping;
}

export interface Inspection {
  name: string;
  bytes: number;
  sha256: string;
  rows: number;
  header: string[];
  skipped: SkippedRows;
  /** What the reader noticed without refusing the file (a delimiter other than the name suggests). */
  notes: string[];
  profile: TableProfile;
  proposal: Proposal;
  layout: LayoutMatch | null;
  /** Wall time of streaming, decompressing and parsing, for the progress line. */
  parseMs: number;
}

export type DataEvent =
  | { type: 'progress'; id: string; bytesRead: number; totalBytes: number }
  | { type: 'inspected'; id: string; inspection: Inspection }
  | { type: 'checked'; id: string; report: DataReport; encodeMs: number }
  | { type: 'cancelled'; id: string }
  | { type: 'error'; id: string; message: string; column?: string; row?: number };
