import { describe, expect, it } from 'vitest';
import { formatJson } from './json';

describe('formatJson', () => {
  it('keeps short lists on one line and round-trips', () => {
    const v = { a: [64, 32], b: { c: 'x, [y]', d: [] as number[], e: [{ f: 1 }] }, g: undefined, h: null };
    const text = formatJson(v);
    expect(text).toContain('"a": [64, 32]');
    expect(text).toContain('"d": []');
    expect(JSON.parse(text)).toEqual({ a: [64, 32], b: { c: 'x, [y]', d: [], e: [{ f: 1 }] }, h: null });
  });
});
