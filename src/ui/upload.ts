/** A CSV the person brings: read on the main thread (gzip too), its header, and a first mapping for it. */
import { parseCsv } from '../engine/data/csv';
import type { DataMapping } from '../engine/data/types';

export interface UploadedFile {
  name: string;
  bytes: number;
  text: string;
  header: string[];
}

export async function readUpload(file: File): Promise<UploadedFile> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const text = gzip
    ? await new Response(file.stream().pipeThrough(new DecompressionStream('gzip'))).text()
    : await file.text();
  const header = headerOf(text);
  if (header.length === 0) throw new Error(`${file.name}: the first line holds no column names`);
  return { name: file.name, bytes: file.size, text, header };
}

/** Lines enough for the tokenizer to tell the delimiter apart (it compares how lines split). */
const SNIFF_LINES = 20;

/**
 * Column names, read by the engine's own tokenizer from the first lines: the same delimiter detection,
 * quoting and BOM handling as the worker's full parse, so the mapping names what the worker will find.
 */
export function headerOf(text: string): string[] {
  let end = -1;
  for (let i = 0; i < SNIFF_LINES; i++) {
    const next = text.indexOf('\n', end + 1);
    if (next < 0) return parseCsv(text).header;
    end = next;
  }
  return parseCsv(text.slice(0, end + 1)).header;
}

function namedColumns(m: DataMapping): string[] {
  return [
    m.domain,
    ...m.tasks.map((t) => t.column),
    ...(m.numeric ?? []),
    ...(m.categorical ?? []),
    ...(m.ignore ?? []),
    ...(m.split ? [m.split] : []),
  ];
}

/**
 * The current mapping when the file has every column it names (a new sample of the same data), else a start:
 * a `domain` column if there is one, and no task yet — the Experiment JSON panel completes it.
 */
export function mappingForUpload(file: UploadedFile, current: DataMapping): DataMapping {
  const { dataset: _dataset, path: _path, ...rest } = current;
  const present = new Set(file.header);
  if (current.domain !== '' && namedColumns(current).every((c) => present.has(c)))
    return { ...rest, path: file.name };
  const domain = file.header.find((h) => /^(domain|scenario)$/i.test(h)) ?? file.header[0];
  return { path: file.name, domain, tasks: [] };
}
