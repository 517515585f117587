import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUNDLED_SPECS } from './bundled';
import { generate } from './generate';
import { MANIFEST_FILE, manifestEntry, type DatasetManifestEntry } from './manifest';

const dir = fileURLToPath(new URL('../../../public/datasets/', import.meta.url));
const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

describe('bundled datasets (public/datasets)', () => {
  const manifest = JSON.parse(readFileSync(dir + MANIFEST_FILE, 'utf8')) as DatasetManifestEntry[];

  it('lists exactly the bundled specs', () => {
    expect(manifest.map((e) => e.id)).toEqual(BUNDLED_SPECS.map((s) => s.id));
  });

  it.each(BUNDLED_SPECS.map((s) => [s.id, s] as const))(
    '%s on disk is what the generator produces now (else: npm run datasets)',
    (_, spec) => {
      const entry = manifest.find((e) => e.id === spec.id)!;
      const result = generate(spec);
      const gz = readFileSync(dir + entry.file);
      expect(sha256(gunzipSync(gz))).toBe(sha256(result.csv));
      expect(entry).toEqual(manifestEntry(spec, result, { bytes: gz.length, sha256: sha256(result.csv) }));
      // A static site downloads the file whole: the id-heavy set, the largest, is ≈ 2.8 MiB.
      expect(gz.length).toBeLessThan(3 * 1024 * 1024);
    },
  );

  it('gives the large datasets a visible ceiling: every oracle test AUC informative but well below 1', () => {
    for (const e of manifest.filter((x) => x.rows >= 50_000)) {
      for (const byTask of Object.values(e.oracle.test.byCell)) {
        for (const a of Object.values(byTask)) {
          expect(a).toBeGreaterThan(0.65);
          expect(a).toBeLessThan(0.95);
        }
      }
    }
  });
});
