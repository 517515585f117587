import { describe, expect, it } from 'vitest';
import type { DataMapping, EncodedDataset } from '../../engine/data/types';
import type { DataSource } from '../../workers/protocol';
import { DatasetCache, canonicalJson, datasetKey } from './datasetCache';

const mapping: DataMapping = {
  dataset: 'tiny-two-domains',
  domain: 'domain',
  tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
  splitRatios: [0.8, 0.1, 0.1],
};
const url: DataSource = { kind: 'url', url: '/datasets/tiny-two-domains.csv.gz' };
const blob = (bytes: number, name = 'shop.csv'): DataSource => ({
  kind: 'blob',
  blob: new Blob([new Uint8Array(bytes)]),
  name,
});
/** The cache only holds and hands on a dataset: an object with an identity is all a test needs. */
const dataset = { numRows: 3 } as EncodedDataset;

describe('dataset key', () => {
  it('is the file and the mapping, whatever the key order of the mapping', () => {
    const reordered = Object.fromEntries(Object.entries(mapping).reverse()) as unknown as DataMapping;
    expect(canonicalJson(reordered)).toBe(canonicalJson(mapping));
    expect(datasetKey(url, reordered, null)).toBe(datasetKey(url, mapping, null));
    const keys = [
      datasetKey(url, mapping, null),
      datasetKey(url, { ...mapping, splitSeed: 2 }, null),
      datasetKey(url, { ...mapping, tasks: [{ ...mapping.tasks[0], rule: '!= 0' }] }, null),
      datasetKey({ kind: 'url', url: '/datasets/other.csv.gz' }, mapping, null),
      datasetKey(blob(10), mapping, null),
      datasetKey(blob(11), mapping, null),
      datasetKey(blob(10), mapping, 'ab12'),
      datasetKey(blob(10), mapping, 'cd34'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names an upload by its SHA-256 where known, else by name and size', () => {
    expect(datasetKey(blob(10), mapping, 'ab12')).toBe(datasetKey(blob(10, 'renamed.csv'), mapping, 'ab12'));
    expect(datasetKey(blob(10), mapping, null)).toBe(datasetKey(blob(10), mapping, null));
    expect(datasetKey(blob(10), mapping, null)).not.toBe(datasetKey(blob(10, 'b.csv'), mapping, null));
    expect(datasetKey({ kind: 'text', text: 'a,b\n', name: 't.csv' }, mapping, null)).toBeNull();
  });
});

describe('dataset cache', () => {
  const same = datasetKey(url, mapping, null)!;
  const other = datasetKey(url, { ...mapping, splitSeed: 2 }, null)!;

  it('parses once for the queued runs of a key, hands the parse on, and drops it with the last of them', () => {
    const cache = new DatasetCache();
    for (const id of ['a', 'b', 'c']) cache.add(id, same);
    cache.add('d', other);
    // b and c wait for a's parse; d (another mapping) parses for itself.
    expect(cache.waiting()).toEqual(new Set(['b', 'c']));
    expect(cache.launch('a', 'MMoE · seed 1', url)).toEqual({ source: url, shareDataset: true });
    expect(cache.waiting()).toEqual(new Set(['b', 'c']));
    expect(cache.launch('d', 'PLE · seed 1', url)).toEqual({ source: url, shareDataset: false });

    expect(cache.put('a', dataset)).toBe(true);
    expect(cache.waiting()).toEqual(new Set());
    const encoded = { kind: 'encoded', dataset, name: url.url, parsedBy: 'MMoE · seed 1' };
    expect(cache.launch('b', 'MMoE · seed 2', url)).toEqual({ source: encoded, shareDataset: false });
    expect(cache.launch('c', 'MMoE · seed 3', url).source).toEqual(encoded);

    // No queued run of the key is left: the dataset is not pinned, a later run of the key parses again.
    cache.add('e', same);
    expect(cache.launch('e', 'MMoE · seed 4', url)).toEqual({ source: url, shareDataset: false });
  });

  it('lets the next queued run parse when the parsing run ends without its dataset', () => {
    const cache = new DatasetCache();
    for (const id of ['a', 'b', 'c']) cache.add(id, same);
    cache.launch('a', 'A', url);
    cache.end('a');
    expect(cache.waiting()).toEqual(new Set(['c']));
    expect(cache.launch('b', 'B', url)).toEqual({ source: url, shareDataset: true });
    // The failed run's dataset, were it to come late, is not taken.
    expect(cache.put('a', dataset)).toBe(false);
    expect(cache.put('b', dataset)).toBe(true);
    expect(cache.launch('c', 'C', url).source).toMatchObject({ kind: 'encoded', parsedBy: 'B' });
  });

  it('keeps no dataset once the queued runs it was for are removed', () => {
    const cache = new DatasetCache();
    cache.add('a', same);
    cache.add('b', same);
    cache.launch('a', 'A', url);
    cache.end('b');
    expect(cache.put('a', dataset)).toBe(false);
    cache.add('c', same);
    expect(cache.launch('c', 'C', url)).toEqual({ source: url, shareDataset: false });
  });

  it('starts a lone run, or one it does not know (an import), with its own source', () => {
    const cache = new DatasetCache();
    cache.add('a', same);
    expect(cache.waiting()).toEqual(new Set());
    expect(cache.launch('a', 'A', url)).toEqual({ source: url, shareDataset: false });
    expect(cache.launch('zip', 'Z', url)).toEqual({ source: url, shareDataset: false });
  });
});
