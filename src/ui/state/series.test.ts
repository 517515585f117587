import { describe, expect, it } from 'vitest';
import { emptySeries, pushPoint, seriesPoints } from './series';

function fill(n: number, cap: number) {
  let s = emptySeries<number>();
  for (let i = 0; i < n; i++) s = pushPoint(s, i, cap);
  return s;
}

describe('capped series', () => {
  it('keeps every point up to the cap', () => {
    expect(seriesPoints(fill(10, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('halves evenly when full and keeps sampling at the new stride', () => {
    const s = fill(11, 10);
    expect(s.kept).toEqual([0, 2, 4, 6, 8, 10]);
    expect(s.stride).toBe(2);
    // 11 is not on the stride: shown as the tail until 12 replaces it.
    const t = pushPoint(s, 11, 10);
    expect(seriesPoints(t)).toEqual([0, 2, 4, 6, 8, 10, 11]);
    expect(seriesPoints(pushPoint(t, 12, 10))).toEqual([0, 2, 4, 6, 8, 10, 12]);
  });

  it('stays within the cap, evenly spaced, and ends at the newest point for a long run', () => {
    const cap = 100;
    const points = seriesPoints(fill(100_003, cap));
    expect(points.length).toBeLessThanOrEqual(cap + 1);
    expect(points[0]).toBe(0);
    expect(points[points.length - 1]).toBe(100_002);
    const gaps = new Set(points.slice(1, -1).map((p, i) => p - points[i]));
    expect(gaps.size).toBe(1);
  });
});
