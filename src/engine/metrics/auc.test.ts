import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { auc, logloss } from './auc';

/** AUC by its definition: over all positive × negative pairs, 1 when the positive scores higher, ½ on a tie. */
function pairwiseAuc(scores: number[], labels: number[]): number | null {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs === 0 ? null : wins / pairs;
}

describe('auc', () => {
  it('counts a tie between a positive and a negative as half', () => {
    // Pairs: 0.4+ vs 0.1- wins, 0.4+ vs 0.4- ties, 0.8+ beats both: 3.5 / 4.
    expect(auc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toBe(0.875);
  });

  it('is 1 when ranked perfectly, 0 when reversed, 0.5 when all scores tie', () => {
    expect(auc([0.1, 0.2, 0.3, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.3, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1, 1])).toBe(0.5);
  });

  it('refuses NaN and infinite scores, naming the row, and logloss refuses them too', () => {
    expect(() => auc([0.1, NaN, 0.4], [0, 1, 1])).toThrow(/finite scores: row 1 scored NaN/);
    expect(() => auc([0.1, 0.2, Infinity], [0, 1, 1])).toThrow(/row 2 scored Infinity/);
    // Only the rows scored count: a NaN outside them is not this metric's business.
    expect(auc([NaN, 0.1, 0.9], [1, 0, 1], [1, 2])).toBe(1);
    expect(() => logloss([0.3, NaN], [0, 1])).toThrow(/logloss needs finite scores: row 1/);
  });

  it('is null for a single class or no rows', () => {
    expect(auc([0.1, 0.7], [1, 1])).toBeNull();
    expect(auc([0.1, 0.7], [0, 0])).toBeNull();
    expect(auc([], [])).toBeNull();
  });

  it('uses only the given rows', () => {
    const scores = [0.9, 0.1, 0.8, 0.3];
    const labels = [1, 0, 0, 1];
    expect(auc(scores, labels)).toBe(0.75);
    expect(auc(scores, labels, [0, 1])).toBe(1);
    expect(auc(scores, labels, [2, 3])).toBe(0);
    expect(auc(scores, labels, Int32Array.from([1, 2]))).toBeNull();
  });

  it('matches the pairwise definition on random scores with many ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(60);
      const scores = Array.from({ length: n }, () => rng.int(6) / 5);
      const labels = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
      const expected = pairwiseAuc(scores, labels);
      const got = auc(Float32Array.from(scores), Uint8Array.from(labels));
      if (expected === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(expected, 12);
    }
  });
});

describe('logloss', () => {
  it('is the mean binary cross-entropy', () => {
    expect(logloss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
  });

  it('clips probabilities so a confident mistake stays finite', () => {
    expect(logloss([0], [1])).toBeCloseTo(-Math.log(1e-7), 6);
    expect(logloss([1], [0])).toBeCloseTo(-Math.log(1e-7), 3);
  });

  it('uses only the given rows, and is null on none', () => {
    expect(logloss([0.5, 0.9, 0.2], [1, 1, 0], [1, 2])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(logloss([], [])).toBeNull();
    expect(logloss([0.5], [1], [])).toBeNull();
  });
});
