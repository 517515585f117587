/** The real census-income file of the MMoE paper, read from ../shared/datasets (see its README). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataReport } from './checks';
import { cellStats, encodeDataset } from './encode';
import { KNOWN_LAYOUTS } from './layouts';
import { readTable } from './load';
import { profileTable } from './profile';
import { readingOfRole, rolesFromMapping } from './propose';

const CENSUS = fileURLToPath(
  new URL('../../../../shared/datasets/census-income/census-income.csv.gz', import.meta.url),
);

// The census layout's mapping: the data block of bench/experiments/census-mmoe.json.
const mapping = KNOWN_LAYOUTS.find((l) => l.id === 'census')!.mapping([]);

describe('census-income', () => {
  it('loads with the documented rows, splits, fields and domains', async () => {
    const t0 = performance.now();
    const table = await readTable(new Uint8Array(readFileSync(CENSUS)));
    const t1 = performance.now();
    const ds = encodeDataset(table, mapping);
    const t2 = performance.now();
    console.log(
      `census: read+parse ${(t1 - t0).toFixed(0)} ms, encode ${(t2 - t1).toFixed(0)} ms, vocabSize ${ds.schema.vocabSize}`,
    );

    expect(table.skipped.count).toBe(0);
    expect(ds.numRows).toBe(99_762);
    expect([ds.splits.train.length, ds.splits.valid.length, ds.splits.test.length]).toEqual([
      79_809, 9_976, 9_977,
    ]);
    expect(ds.schema.categorical.length).toBe(32);
    expect(ds.schema.numeric.length).toBe(7);
    expect(ds.schema.domains).toEqual(['0', '1']);
    // 494 values seen in train over the 32 fields, plus one out-of-vocabulary slot each. The reference MMoE's
    // 287,202 parameters leave exactly 8,416 = 526 × 16 for its embedding table.
    expect(ds.schema.vocabSize).toBe(526);
    // det_hh_fam_stat has one value that appears only outside train: it must encode to the field's OOV id.
    const famStat = ds.schema.categorical.find((f) => f.column === 'det_hh_fam_stat')!;
    expect(famStat.size).toBe(37);
    const f = ds.schema.categorical.indexOf(famStat);
    const inTrain = new Uint8Array(ds.numRows);
    for (const r of ds.splits.train) inTrain[r] = 1;
    let oov = 0;
    for (let r = 0; r < ds.numRows; r++) {
      if (ds.cat[r * 32 + f] !== famStat.offset) continue;
      oov++;
      expect(inTrain[r]).toBe(0);
    }
    expect(oov).toBeGreaterThan(0);

    // Positive rates by domain on train, as the dataset README gives them.
    const cells = cellStats(ds, 'train');
    const rate = (d: number, t: number) => cells[d][t].positives / cells[d][t].rows;
    expect(rate(0, 0)).toBeCloseTo(0.025, 3);
    expect(rate(1, 0)).toBeCloseTo(0.102, 3);
    expect(rate(0, 1)).toBeCloseTo(0.404, 3);
    expect(rate(1, 1)).toBeCloseTo(0.463, 3);

    // Nothing to report: no leaking column, no unparseable number, no missing label; "?" is a category there.
    expect(ds.leaks).toEqual([]);
    expect(dataReport(ds).issues).toEqual([]);
    // The mapping table counts missing cells as Check data does, column by column.
    const profile = profileTable(table);
    for (const { column, role } of rolesFromMapping(mapping, table.header)) {
      if (!(column in ds.missing)) continue;
      const p = profile.columns.find((c) => c.name === column)!;
      expect(p.missing[readingOfRole(role)], column).toBe(ds.missing[column]);
    }
  });
});
