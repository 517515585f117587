import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parsePlan, planToJson, PLAN_LIMITS } from '../experiment';
import { linkSizeProblem, MAX_LINK_CHARS, planFromFragment, planToFragment, sha256Hex } from './link';

const PLAN = parsePlan({
  data: {
    dataset: 'three-domains-two-tasks',
    domain: 'domain',
    tasks: [
      { name: 'click', column: 'click', rule: '== 1' },
      { name: 'convert', column: 'convert', rule: '== 1' },
    ],
    numeric: ['n1', 'n2', 'n3', 'n4'],
    split: 'split',
  },
  models: [{ id: 'mmoe', options: { experts: 4 } }, { id: 'cesaa' }],
  train: { epochs: 2, batchSize: 512 },
  seeds: [1, 2, 3],
});

function fragmentOf(text: string): string {
  const bytes = deflateSync(strToU8(text));
  return `#x=${Buffer.from(bytes).toString('base64url')}`;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect((e as Error).name).toBe('ImportError');
    return (e as Error).message;
  }
  throw new Error('expected an ImportError');
}

describe('plan links', () => {
  it('round-trips a plan through a URL-safe fragment', () => {
    const hash = planToFragment(PLAN);
    expect(hash).toMatch(/^#x=[A-Za-z0-9_-]+$/);
    expect(planFromFragment(hash)).toEqual(PLAN);
    expect(planFromFragment(hash.slice(1))).toEqual(PLAN);
    expect(planFromFragment(`#tab=compare&${hash.slice(1)}`)).toEqual(PLAN);
  });

  it('says what is wrong with a link that does not hold a plan', () => {
    expect(message(() => planFromFragment('#tab=compare'))).toBe(
      'the link holds no experiment (its fragment has no "x=")',
    );
    expect(message(() => planFromFragment('#x=abc$def'))).toBe(
      `the link's experiment is not base64url text (the character "$" at position 4): the link was probably cut off or altered`,
    );
    const hash = planToFragment(PLAN);
    // Cut at a multiple of 4 characters: valid base64url, but the deflate stream ends early.
    const cut = hash.slice(0, 3 + Math.floor((hash.length - 3) / 8) * 4);
    expect(message(() => planFromFragment(cut))).toMatch(
      /^the link's experiment data is corrupt \(it does not decompress\)/,
    );
    expect(message(() => planFromFragment(fragmentOf('not json')))).toBe(
      "the link's experiment is not JSON: it was not made by this playground",
    );
    expect(message(() => planFromFragment(fragmentOf(JSON.stringify({ data: 1 }))))).toBe(
      "the link's experiment is not valid: data must be an object",
    );
  });
});

describe('hostile links', () => {
  it('are refused by their length before a byte is decoded', () => {
    const huge = `#x=${'A'.repeat(1_840_000)}`;
    expect(message(() => planFromFragment(huge))).toBe(
      "the link's experiment is 1797 KB of text, more than the 64 KB a plan of this playground takes: it was not made here, or was altered",
    );
    expect(linkSizeProblem(huge)).not.toBeNull();
    expect(linkSizeProblem(planToFragment(PLAN))).toBeNull();
  });

  it('stop decompressing once the JSON passes the 1 MB a plan may be', () => {
    // 8 MB of spaces deflate to ~8 KB: a link short enough to pass the length check.
    const bomb = fragmentOf(`{"data": 1${' '.repeat(8 << 20)}}`);
    expect(bomb.length).toBeLessThanOrEqual(MAX_LINK_CHARS);
    expect(message(() => planFromFragment(bomb))).toBe(
      "the link's experiment expands to more than the 1 MB of JSON a plan may be: it was not made by this playground",
    );
  });

  it('leave room for the largest plan the limits allow', () => {
    const columns = Array.from({ length: 200 }, (_, i) => `a_rather_long_column_name_${i}`);
    const largest = parsePlan({
      ...JSON.parse(planToJson(PLAN)),
      data: { ...PLAN.data, numeric: columns },
      models: Array.from({ length: PLAN_LIMITS.models }, (_, i) => ({
        name: `configuration number ${i}`,
        id: 'ple',
        options: { levels: 2, expertLayers: [64, 32] },
        train: { learningRate: 0.001 * (i + 1) },
      })),
      seeds: Array.from({ length: PLAN_LIMITS.runs / PLAN_LIMITS.models }, (_, i) => 1000 + i),
    });
    expect(planFromFragment(planToFragment(largest))).toEqual(largest);
  });
});

describe('sha256Hex', () => {
  it('gives the standard digest for bytes, an ArrayBuffer and a Blob', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    const bytes = strToU8('abc');
    expect(await sha256Hex(bytes)).toBe(abc);
    expect(await sha256Hex(bytes.slice().buffer)).toBe(abc);
    expect(await sha256Hex(new Blob([bytes]))).toBe(abc);
    // A view into a larger buffer hashes only its own bytes.
    expect(await sha256Hex(strToU8('xabcx').subarray(1, 4))).toBe(abc);
  });

  it('matches the hash the bundled datasets index publishes (of the CSV text)', async () => {
    const dir = path.resolve(import.meta.dirname, '../../../public/datasets');
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
      file: string;
      sha256: string;
    }[];
    expect(await sha256Hex(new Uint8Array(gunzipSync(readFileSync(path.join(dir, index[0].file)))))).toBe(
      index[0].sha256,
    );
  });
});
