/**
 * Writes the bundled synthetic datasets and their manifest to public/datasets/. Deterministic: the same code
 * writes the same bytes (gzip with a fixed level, mtime 0 and a pinned OS byte).
 * Usage: npm run datasets
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BUNDLED_SPECS } from '../src/engine/synth/bundled';
import { generate } from '../src/engine/synth/generate';
import {
  MANIFEST_FILE,
  datasetFileName,
  manifestEntry,
  type DatasetManifestEntry,
} from '../src/engine/synth/manifest';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'datasets');

/** Node writes mtime 0 already; the OS byte (offset 9) follows the build platform, so it is pinned to Unix. */
function gzip(text: string): Buffer {
  const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  gz[9] = 3;
  return gz;
}

mkdirSync(outDir, { recursive: true });
const entries: DatasetManifestEntry[] = [];
for (const spec of BUNDLED_SPECS) {
  const t0 = performance.now();
  const result = generate(spec);
  const gz = gzip(result.csv);
  writeFileSync(join(outDir, datasetFileName(spec.id)), gz);
  const entry = manifestEntry(spec, result, {
    bytes: gz.length,
    sha256: createHash('sha256').update(result.csv).digest('hex'),
  });
  entries.push(entry);
  const cells = Object.entries(entry.oracle.test.byCell)
    .map(
      ([d, byTask]) =>
        `${d}: ${Object.entries(byTask)
          .map(([t, a]) => `${t} ${a === null ? 'n/a' : a.toFixed(3)}`)
          .join(', ')}`,
    )
    .join(' | ');
  console.log(
    `${entry.file}: ${spec.rows} rows, ${gz.length} bytes, ${(performance.now() - t0).toFixed(0)} ms; oracle test AUC ${cells}`,
  );
}

// Files of datasets no longer bundled would otherwise linger and ship.
const keep = new Set(entries.map((e) => e.file));
for (const f of readdirSync(outDir)) if (f.endsWith('.csv.gz') && !keep.has(f)) rmSync(join(outDir, f));
writeFileSync(join(outDir, MANIFEST_FILE), JSON.stringify(entries, null, 2) + '\n');
