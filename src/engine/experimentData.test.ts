/** The `data` block of an experiment: domain groups, hashed columns and the file's SHA-256. */
import { describe, expect, it } from 'vitest';
import { MAX_HASH_BUCKETS } from './data/types';
import { ExperimentError, parseDataMapping } from './experiment';

const base = { domain: 'dom', tasks: [{ name: 'click', column: 'click', rule: '== 1' }], numeric: ['age'] };

function rejection(data: unknown): string {
  try {
    parseDataMapping(data);
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentError);
    return (err as Error).message;
  }
  throw new Error('expected an ExperimentError');
}

describe('parseDataMapping', () => {
  it('keeps domain groups, hashed columns and the SHA-256 it is given', () => {
    const sha = 'AB'.repeat(32);
    const data = parseDataMapping({
      ...base,
      domainGroups: { bins: [18, 25.5], minRows: 50, other: 'rest' },
      hashed: [{ column: 'user', buckets: 1000 }],
      sha256: sha,
    });
    expect(data.domainGroups).toEqual({ bins: [18, 25.5], minRows: 50, other: 'rest' });
    expect(data.hashed).toEqual([{ column: 'user', buckets: 1000 }]);
    expect(data.sha256).toBe(sha.toLowerCase());
    expect(parseDataMapping(base)).not.toHaveProperty('hashed');
  });

  it('names unknown keys inside domainGroups and hashed entries', () => {
    expect(rejection({ ...base, domainGroups: { bin: [1] } })).toBe(
      'data.domainGroups: unknown key "bin" (allowed: bins, minRows, other)',
    );
    expect(rejection({ ...base, hashed: [{ column: 'u', buckets: 5, seed: 1 }] })).toBe(
      'data.hashed[0]: unknown key "seed" (allowed: column, buckets)',
    );
  });

  it('rejects bad groupings, bucket counts and digests, naming the setting', () => {
    expect(rejection({ ...base, domainGroups: { bins: [25, 18] } })).toMatch(
      /^data\.domainGroups\.bins must be a list of ascending numbers/,
    );
    expect(rejection({ ...base, domainGroups: { bins: [] } })).toMatch(/^data\.domainGroups\.bins/);
    expect(rejection({ ...base, domainGroups: { minRows: 0 } })).toBe(
      'data.domainGroups.minRows must be a whole number ≥ 1',
    );
    expect(rejection({ ...base, domainGroups: { other: ' ' } })).toMatch(/^data\.domainGroups\.other/);
    expect(rejection({ ...base, domainGroups: [18] })).toMatch(/^data\.domainGroups must be an object/);
    expect(rejection({ ...base, hashed: { column: 'u' } })).toMatch(/^data\.hashed must be a list/);
    expect(rejection({ ...base, hashed: [{ column: 'u', buckets: 0 }] })).toBe(
      `data.hashed[0].buckets must be a whole number from 1 to ${MAX_HASH_BUCKETS}`,
    );
    expect(rejection({ ...base, hashed: [{ column: 'u', buckets: MAX_HASH_BUCKETS + 1 }] })).toMatch(
      /buckets/,
    );
    expect(rejection({ ...base, hashed: [{ buckets: 3 }] })).toBe(
      'data.hashed[0].column must be a column name',
    );
    expect(rejection({ ...base, sha256: 'abc' })).toBe('data.sha256 must be the 64 hex digits of a SHA-256');
  });

  it('refuses a hashed column that has another role', () => {
    const hashed = (column: string) => ({
      ...base,
      categorical: ['city'],
      ignore: ['id'],
      split: 'fold',
      hashed: [{ column, buckets: 8 }],
    });
    expect(rejection(hashed('dom'))).toBe(
      'data.hashed[0]: column "dom" is also the domain (data.domain); a hashed column has no other role',
    );
    expect(rejection(hashed('click'))).toMatch(/column "click" is also a task source \(data\.tasks\[0\]\)/);
    expect(rejection(hashed('age'))).toMatch(/column "age" is also listed in data\.numeric/);
    expect(rejection(hashed('city'))).toMatch(/column "city" is also listed in data\.categorical/);
    expect(rejection(hashed('id'))).toMatch(/column "id" is also listed in data\.ignore/);
    expect(rejection(hashed('fold'))).toMatch(/column "fold" is also the split column/);
    expect(
      rejection({
        ...base,
        hashed: [
          { column: 'u', buckets: 2 },
          { column: 'u', buckets: 3 },
        ],
      }),
    ).toBe('data.hashed[1]: column "u" is hashed twice');
  });
});
