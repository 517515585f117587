import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { streamOfBytes } from './gzip';
import { loadDataset, readTable } from './load';
import { DataError, type DataMapping, type EncodedDataset } from './types';

const mapping: DataMapping = {
  domain: 'dom',
  tasks: [
    { name: 'click', column: 'click', rule: '== 1' },
    { name: 'rating', column: 'stars', rule: '>= 4' },
  ],
  numeric: ['price'],
  categorical: [],
  ignore: ['id'],
  split: 'split',
};

const SPLIT_OF = ['train', 'train', 'train', 'valid', 'test'];
const valid =
  'id,dom,brand,"note, free text",price,click,stars,split\n' +
  Array.from({ length: 40 }, (_, i) => {
    const note = i % 3 === 0 ? `"said ""hi"",\nthen left"` : `n${i % 4}`;
    return [
      i,
      i % 2 ? 'app' : 'web',
      `b${i % 5}`,
      note,
      (i * 1.5).toFixed(1),
      i % 3 === 1 ? 1 : 0,
      ((i * 3) % 5) + 1,
      SPLIT_OF[i % 5],
    ].join(',');
  }).join('\r\n') +
  '\r\n';
const validBytes = new TextEncoder().encode(valid);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = streamOfBytes(bytes).pipeThrough(
    new CompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Whatever loads must satisfy what the models rely on. */
function checkInvariants(ds: EncodedDataset): void {
  const { numRows, schema } = ds;
  expect(ds.cat.length).toBe(numRows * schema.categorical.length);
  for (const id of ds.cat) expect(id >= 0 && id < schema.vocabSize).toBe(true);
  for (const d of ds.domain) expect(d >= 0 && d < schema.domains.length).toBe(true);
  for (const y of ds.labels) expect(y === 0 || y === 1).toBe(true);
  for (const v of ds.num) expect(Number.isFinite(v)).toBe(true);
  expect(ds.splits.train.length + ds.splits.valid.length + ds.splits.test.length).toBe(numRows);
}

describe('loadDataset', () => {
  it('loads text, plain bytes, gzip bytes and a gzip stream alike', async () => {
    const fromText = await loadDataset(valid, mapping);
    expect(fromText.numRows).toBe(40);
    expect(fromText.schema.categorical.map((f) => f.column)).toEqual(['brand', 'note, free text']);
    expect(fromText.schema.domains).toEqual(['app', 'web']);
    checkInvariants(fromText);
    const gz = await gzip(validBytes);
    expect(await loadDataset(validBytes, mapping)).toEqual(fromText);
    expect(await loadDataset(gz, mapping)).toEqual(fromText);
    expect(await loadDataset(streamOfBytes(gz, 100), mapping)).toEqual(fromText);
  });

  it('reports progress in bytes of the source as read, compressed or not', async () => {
    const gz = await gzip(validBytes);
    const seen: number[] = [];
    await loadDataset(streamOfBytes(gz, 64), mapping, { onProgress: (n) => seen.push(n) });
    expect(seen[seen.length - 1]).toBe(gz.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const plain: number[] = [];
    await readTable(validBytes, { onProgress: (n) => plain.push(n) });
    expect(plain[plain.length - 1]).toBe(validBytes.length);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(loadDataset(validBytes, mapping, { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('passes maxVocabPerField to the encoder', async () => {
    const ds = await loadDataset(valid, mapping, { maxVocabPerField: 1 });
    expect(ds.schema.categorical.map((f) => f.size)).toEqual([2, 2]);
  });
});

describe('loadDataset on damaged input', () => {
  /** Loads and returns 'ok', or the DataError's message; any other failure fails the test. */
  async function attempt(input: Uint8Array | string, chunk: number): Promise<string> {
    try {
      const ds = await loadDataset(typeof input === 'string' ? input : streamOfBytes(input, chunk), mapping);
      checkInvariants(ds);
      return 'ok';
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      return err.message;
    }
  }

  it('never fails with anything but a DataError, on random bytes, truncations, mutations and cut gzip', async () => {
    const rng = new Rng(2024);
    const gz = await gzip(validBytes);
    const outcomes = new Set<string>();
    const noise = [',', '"', '\n', '\r', '\t', ';', '|', 'x', '1', '', ' ', '\uFEFF', 'é'];
    for (let trial = 0; trial < 400; trial++) {
      const chunk = 1 + rng.int(200);
      const kind = trial % 5;
      let input: Uint8Array | string;
      if (kind === 0) {
        input = Uint8Array.from({ length: rng.int(300) }, () => rng.int(256));
        if (rng.next() < 0.3 && input.length >= 2) input.set([0x1f, 0x8b]);
      } else if (kind === 1) {
        input = validBytes.subarray(0, rng.int(validBytes.length + 1));
      } else if (kind === 2) {
        const chars = valid.split('');
        for (let m = 1 + rng.int(8); m > 0; m--) chars[rng.int(chars.length)] = noise[rng.int(noise.length)];
        input = chars.join('');
      } else if (kind === 3) {
        input = gz.subarray(0, rng.int(gz.length));
      } else {
        input = valid.slice(rng.int(valid.length));
      }
      outcomes.add((await attempt(input, chunk)).replace(/\d+/g, 'N'));
    }
    // The fuzz reached both loads that succeed and several kinds of rejection.
    expect(outcomes.has('ok')).toBe(true);
    expect(outcomes.size).toBeGreaterThan(5);
  });
});
