/**
 * A zip's table of contents (its central directory), read without inflating anything, and one entry read
 * with a bound: an archive from anyone is judged by the sizes it declares before any byte is inflated, and an
 * entry that holds more than it declares stops at the declaration. fflate's unzipSync inflates every entry it
 * keeps and decodes each whole stream whatever size it declared, so it cannot do either.
 * Zip64, encryption and methods other than store and deflate are refused: the runs this playground exports
 * are far below 4 GiB and use only those two.
 */
import { ImportError } from './errors';
import { inflateAtMost } from './inflate';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedBytes: number;
  /** The uncompressed size the archive states: what a caller checks before reading. */
  declaredBytes: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_MARK = 0xffffffff;

function corrupt(why: string): ImportError {
  return new ImportError(`the zip archive is corrupt (${why}): download the run again`);
}

/** Every entry of the archive by name, from its central directory. */
export function zipEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  let end = bytes.length - END_RECORD_BYTES;
  const lowest = Math.max(0, end - MAX_COMMENT_BYTES);
  while (end >= lowest && !(end >= 0 && u32(end) === END_OF_DIRECTORY)) end--;
  if (end < lowest) throw corrupt('it has no end-of-directory record');
  const count = u16(end + 10);
  const directoryOffset = u32(end + 16);
  if (directoryOffset === ZIP64_MARK || count === 0xffff)
    throw new ImportError('the zip is a zip64 archive: a run exported by this playground is a plain zip');
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || u32(at) !== DIRECTORY_ENTRY) throw corrupt(`directory entry ${i + 1} is damaged`);
    const flags = u16(at + 8);
    const nameBytes = u16(at + 28);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameBytes));
    if (flags & 1) throw new ImportError(`${name} in the zip is encrypted: an exported run is not`);
    const entry: ZipEntry = {
      name,
      method: u16(at + 10),
      compressedBytes: u32(at + 20),
      declaredBytes: u32(at + 24),
      headerOffset: u32(at + 42),
    };
    if (entry.compressedBytes === ZIP64_MARK || entry.declaredBytes === ZIP64_MARK)
      throw new ImportError(
        `${name} in the zip is a zip64 entry: a run exported by this playground has none`,
      );
    entries.set(name, entry);
    at += 46 + nameBytes + u16(at + 30) + u16(at + 32);
  }
  return entries;
}

/** The entry's bytes; refused when they are not exactly the size it declares (found without inflating more). */
export function readEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.headerOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER)
    throw corrupt(`the local header of ${entry.name} is damaged`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedBytes > bytes.length) throw corrupt(`${entry.name} is cut short`);
  const data = bytes.subarray(start, start + entry.compressedBytes);
  let out: Uint8Array | null;
  if (entry.method === 0) out = data;
  else if (entry.method === 8) {
    try {
      out = inflateAtMost(data, entry.declaredBytes);
    } catch (e) {
      throw corrupt(`${entry.name} does not inflate: ${(e as Error).message}`);
    }
  } else
    throw new ImportError(
      `${entry.name} in the zip uses compression method ${entry.method}: only store and deflate are read`,
    );
  if (out === null || out.length !== entry.declaredBytes)
    throw corrupt(
      `${entry.name} holds ${out === null ? 'more' : out.length} bytes, not the ${entry.declaredBytes} it declares`,
    );
  return out;
}
