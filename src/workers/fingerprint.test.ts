import { describe, expect, it } from 'vitest';
import type { DatasetSchema } from '../engine/data/types';
import { splitFingerprint } from './fingerprint';

const schema: DatasetSchema = {
  domainColumn: 'domain',
  domains: ['a', 'b'],
  tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
  categorical: [{ column: 'c', vocab: ['x', 'y'], offset: 0, size: 3 }],
  numeric: [],
  vocabSize: 3,
};
const splits = (train: number[], valid: number[], test: number[]) => ({
  train: Int32Array.from(train),
  valid: Int32Array.from(valid),
  test: Int32Array.from(test),
});

describe('split fingerprint', () => {
  it('is equal for equal splits and schemas, however the arrays are held', () => {
    const a = splitFingerprint({ splits: splits([0, 1, 2], [3], [4]), schema });
    const backing = new Int32Array([9, 0, 1, 2, 9]);
    const b = splitFingerprint({
      splits: { ...splits([], [3], [4]), train: backing.subarray(1, 4) },
      schema: structuredClone(schema),
    });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it('changes with a row moved between splits, the row order, or the encoding', () => {
    const a = splitFingerprint({ splits: splits([0, 1, 2], [3], [4]), schema });
    expect(splitFingerprint({ splits: splits([0, 1], [2, 3], [4]), schema })).not.toBe(a);
    expect(splitFingerprint({ splits: splits([1, 0, 2], [3], [4]), schema })).not.toBe(a);
    const other = { ...schema, categorical: [{ ...schema.categorical[0], vocab: ['y', 'x'] }] };
    expect(splitFingerprint({ splits: splits([0, 1, 2], [3], [4]), schema: other })).not.toBe(a);
  });
});
