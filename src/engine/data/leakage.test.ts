import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { parseCsv } from './csv';
import { encodeDataset } from './encode';
import { findLeaks, leakText, MIN_LEAK_CLASS_ROWS, type LeakTask } from './leakage';
import { columnOf } from './table';
import type { DataMapping } from './types';

/** n random draws from the values. */
function drawn(rng: Rng, n: number, values: string[]): string[] {
  return Array.from({ length: n }, () => values[rng.int(values.length)]);
}

const task = (name: string, labels: number[]): LeakTask => ({ name, labels: Int8Array.from(labels) });
const allRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function leaksOf(columns: Record<string, string[]>, labels: number[]) {
  const features = Object.entries(columns).map(([column, cells]) => ({ column, cells: columnOf(cells) }));
  return findLeaks(features, allRows(labels.length), [task('click', labels)]);
}

describe('findLeaks', () => {
  const rng = new Rng(3);
  const n = 400;
  const rating = drawn(rng, n, ['1', '2', '3', '4', '5']);
  const click = rating.map((r) => (Number(r) > 3 ? 1 : 0));

  it('finds a numeric column that one threshold splits into the labels (rating > 3)', () => {
    const leaks = leaksOf({ rating, noise: drawn(rng, n, ['a', 'b', 'c']) }, click);
    expect(leaks).toHaveLength(1);
    const positives = click.filter((y) => y === 1).length;
    expect(leaks[0]).toEqual({
      column: 'rating',
      task: 'click',
      kind: 'threshold',
      rows: n,
      how: `every row with rating ≥ 4 has label 1 and every row with rating ≤ 3 label 0 (${n} labelled rows)`,
    });
    expect(positives).toBeGreaterThan(MIN_LEAK_CLASS_ROWS);
    expect(leakText(leaks[0])).toMatch(
      /^column "rating" determines task "click" on the train split: every row/,
    );
    // The other way round: low values positive.
    expect(
      leaksOf(
        { rating },
        click.map((y) => 1 - y),
      )[0].how,
    ).toMatch(/rating ≥ 4 has label 0 .* ≤ 3 label 1/);
  });

  it('finds a text column each of whose values has a single label, missing markers being values', () => {
    const genre = drawn(rng, n, ['drama', 'comedy', 'horror', 'none']);
    const liked = genre.map((g) => (g === 'drama' || g === 'none' ? 1 : 0));
    const [leak] = leaksOf({ genre }, liked);
    expect(leak.kind).toBe('values');
    expect(leak.how).toBe(
      `each of its 4 values has a single label ("drama", "none" → 1; "comedy", "horror" → 0) over ${n} labelled rows`,
    );
  });

  it('leaves out rows without a label and blank cells, and needs no more', () => {
    const labels = click.map((y, i) => (i % 7 === 0 ? -1 : y));
    const withBlanks = rating.map((r, i) => (i % 5 === 0 ? '' : r));
    const [leak] = leaksOf({ rating: withBlanks }, labels);
    const kept = labels.filter((y, i) => y >= 0 && withBlanks[i] !== '').length;
    expect(leak.rows).toBe(kept);
  });

  it('calls nothing a leak that one conflicting row breaks, or that chance explains', () => {
    const noisy = click.slice();
    noisy[rating.indexOf('5')] = 0;
    expect(leaksOf({ rating }, noisy)).toEqual([]);
    // A per-row id matches every label, as does anything with fewer than 10 rows of a label.
    const id = rating.map((_, i) => `u${i}`);
    expect(leaksOf({ id }, click)).toEqual([]);
    // Positives past the k-th without a label: 9 are too few to tell from chance, 10 are enough.
    const keepPositives = (k: number) => {
      let seen = 0;
      return click.map((y) => (y === 1 ? (++seen <= k ? 1 : -1) : y));
    };
    expect(leaksOf({ rating }, keepPositives(MIN_LEAK_CLASS_ROWS - 1))).toEqual([]);
    expect(leaksOf({ rating }, keepPositives(MIN_LEAK_CLASS_ROWS))).toHaveLength(1);
    // Independent columns, numeric and text, over a few thousand rows.
    const m = 3000;
    const y = Array.from({ length: m }, () => (rng.next() < 0.1 ? 1 : 0));
    const columns = {
      price: Array.from({ length: m }, () => (rng.next() * 100).toFixed(2)),
      city: drawn(rng, m, ['a', 'b', 'c', 'd', 'e', 'f']),
      user: Array.from({ length: m }, () => `u${rng.int(500)}`),
    };
    expect(leaksOf(columns, y)).toEqual([]);
  });
});

describe('leaks in encoded data', () => {
  const rng = new Rng(5);
  const lines = ['domain,rating,genre,y_click_rating_gt3,y_like_rating_gt4,split'];
  for (let i = 0; i < 600; i++) {
    const rating = 1 + rng.int(5);
    const split = ['train', 'train', 'train', 'valid', 'test'][i % 5];
    lines.push(
      `${['web', 'app'][rng.int(2)]},${rating},g${rng.int(4)},${+(rating > 3)},${+(rating > 4)},${split}`,
    );
  }
  const table = parseCsv(lines.join('\n'));
  const mapping: DataMapping = {
    domain: 'domain',
    tasks: [
      { name: 'click', column: 'y_click_rating_gt3', rule: '== 1' },
      { name: 'like', column: 'y_like_rating_gt4', rule: '== 1' },
    ],
    numeric: ['rating'],
    categorical: ['genre'],
    split: 'split',
  };

  it('names the column each task leaks through, on the train split', () => {
    const ds = encodeDataset(table, mapping);
    expect(ds.leaks.map((l) => [l.column, l.task, l.kind])).toEqual([
      ['rating', 'click', 'threshold'],
      ['rating', 'like', 'threshold'],
    ]);
    expect(ds.leaks[0].rows).toBe(ds.splits.train.length);
    // The same column as a category: each rating value has a single label.
    const asCategory = encodeDataset(table, { ...mapping, numeric: [], categorical: ['genre', 'rating'] });
    expect(asCategory.leaks.map((l) => [l.column, l.kind])).toEqual([
      ['rating', 'threshold'],
      ['rating', 'threshold'],
    ]);
    expect(encodeDataset(table, { ...mapping, numeric: [], ignore: ['rating'] }).leaks).toEqual([]);
  });
});

describe('no leak in the bundled datasets', () => {
  const dir = fileURLToPath(new URL('../../../public/datasets/', import.meta.url));
  const index = JSON.parse(readFileSync(`${dir}index.json`, 'utf8')) as {
    id: string;
    file: string;
    mapping: DataMapping;
  }[];
  for (const { id, file, mapping } of index) {
    it(id, () => {
      const table = parseCsv(gunzipSync(readFileSync(dir + file)).toString('utf8'));
      expect(encodeDataset(table, mapping).leaks).toEqual([]);
    });
  }
});
