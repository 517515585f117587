import { describe, expect, it } from 'vitest';
import { aucAxis, emaSmooth, linearAxis, logAxis, niceStep } from './ticks';

const labels = (a: ReturnType<typeof linearAxis>) => a.ticks.map(a.format);
const isRound = (v: number, step: number) => Math.abs(v / step - Math.round(v / step)) < 1e-9;

describe('axis ticks', () => {
  it('loss ticks over a narrow range are round and never read the same (the "0.70, 0.70, 0.69" axis)', () => {
    const axis = linearAxis(0.6912, 0.7043, 6);
    const text = labels(axis);
    expect(new Set(text).size).toBe(text.length);
    expect(text[0]).toBe('0.690');
    const step = axis.ticks[1] - axis.ticks[0];
    for (const t of axis.ticks) expect(isRound(t, step)).toBe(true);
    expect(axis.domain[0]).toBeLessThanOrEqual(0.6912);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(0.7043);
  });

  it('a step axis has whole-number ticks, even over a handful of steps', () => {
    for (const last of [3, 4, 7, 27, 1000, 12345]) {
      const axis = linearAxis(0, last, 6, true);
      for (const t of axis.ticks) expect(Number.isInteger(t)).toBe(true);
      expect(axis.ticks[0]).toBe(0);
      expect(axis.domain[1]).toBeGreaterThanOrEqual(last);
      expect(axis.ticks.length).toBeLessThanOrEqual(7);
    }
    expect(niceStep(3, 6, true)).toBe(1);
    expect(niceStep(12, 6, true)).toBe(5);
  });

  it('round steps are 1, 2, 2.5 or 5 times a power of ten', () => {
    for (const span of [0.013, 0.3, 7, 44, 900, 0.00021])
      expect(
        [1, 2, 2.5, 5, 10].some((m) => {
          const s = niceStep(span, 6);
          const p = 10 ** Math.floor(Math.log10(s / m) + 1e-9);
          return Math.abs(s - m * p) < 1e-12 * s;
        }),
      ).toBe(true);
  });

  it('tiny and huge ranges share one power of ten per axis, still distinct', () => {
    const tiny = linearAxis(1.2e-7, 9.5e-7, 5);
    expect(labels(tiny)).toEqual(['0', '2.5e-7', '5.0e-7', '7.5e-7', '10.0e-7']);
    const huge = linearAxis(0, 3.3e6, 5);
    expect(new Set(labels(huge)).size).toBe(huge.ticks.length);
    expect(labels(huge).every((t) => t.length <= 6)).toBe(true);
  });

  it('a log axis shows decades (with 2 and 5 over few decades), and round linear ticks inside one decade', () => {
    expect(logAxis(0.05, 3).ticks).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logAxis(1e-4, 10).ticks).toEqual([0.0001, 0.001, 0.01, 0.1, 1, 10]);
    const inside = logAxis(0.31, 0.69);
    expect(new Set(inside.ticks.map(inside.format)).size).toBe(inside.ticks.length);
    for (const t of inside.ticks) expect(t >= 0.31 && t <= 0.69).toBe(true);
  });

  it('an AUC axis spans at least the minimum, stays in [0, 1] and holds every value and ceiling', () => {
    const noisy = aucAxis([0.472, 0.486, 0.479]);
    expect(noisy.domain[1] - noisy.domain[0]).toBeGreaterThanOrEqual(0.05);
    expect(noisy.domain[0]).toBeLessThanOrEqual(0.472);
    expect(noisy.domain[1]).toBeGreaterThanOrEqual(0.486);
    const top = aucAxis([0.99, 0.999, 1]);
    expect(top.domain[1]).toBe(1);
    expect(top.domain[1] - top.domain[0]).toBeGreaterThanOrEqual(0.05);
    for (const t of top.ticks) expect(t).toBeLessThanOrEqual(1);
  });
});

describe('smoothing', () => {
  it('is the identity at weight 0, debiased from the first point, and skips missing values', () => {
    expect(emaSmooth([1, 2, null, 3], 0)).toEqual([1, 2, null, 3]);
    const s = emaSmooth([2, 2, 2, null, 2], 0.9);
    // Debiased: a constant series stays constant from its first point (no pull towards 0).
    for (const v of s.filter((x) => x !== null)) expect(v).toBeCloseTo(2, 10);
    expect(s[3]).toBeNull();
    const step = emaSmooth([0, 10], 0.5);
    expect(step[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25), 10);
  });
});
