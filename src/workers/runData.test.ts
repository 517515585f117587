import { describe, expect, it } from 'vitest';
import type { DataMapping, EncodedDataset } from '../engine/data/types';
import type { DataSource } from './protocol';
import { dataEvent, runDataset, shareable } from './runData';

const mapping: DataMapping = {
  domain: 'channel',
  tasks: [
    { name: 'bought', column: 'bought', rule: '== 1' },
    { name: 'liked', column: 'score', rule: '>= 4' },
  ],
  numeric: ['price'],
  ignore: ['id'],
};
// A row with a missing label and one that cannot be used: the data event's counts must carry over too.
const csv =
  'id,channel,brand,price,bought,score\n' +
  Array.from({ length: 60 }, (_, i) =>
    [i, i % 3 ? 'app' : 'web', `b${i % 7}`, (i * 0.7).toFixed(1), i % 4 === 1 ? 1 : 0, (i % 5) + 1].join(','),
  ).join('\n') +
  '\n61,,b1,2.0,1,3\n62,web,b2,1.5,,4\n';
const text: DataSource = { kind: 'text', text: csv, name: 'shops.csv' };

const COLUMNS = ['cat', 'num', 'domain', 'labels', 'labelMask'] as const;
const arraysOf = (d: EncodedDataset) => [
  ...COLUMNS.map((c) => d[c]),
  d.splits.train,
  d.splits.valid,
  d.splits.test,
];

describe('a run dataset shared from an earlier run', () => {
  it('is, from an encoded source, the dataset the parse gave: same data event, same fingerprint', async () => {
    const parsed = await runDataset(text, mapping);
    expect(parsed.skipped.count).toBe(1);
    const parsedEvent = dataEvent('run-1', parsed, text);
    expect(parsedEvent.sharedFrom).toBeUndefined();

    // Cross-origin isolated: the arrays move into shared memory; the clone (postMessage) shares, not copies, them.
    const shared = shareable(parsed, true);
    for (const [i, a] of arraysOf(shared).entries()) {
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(a)).toEqual(Array.from(arraysOf(parsed)[i]));
    }
    // Elsewhere it is the parsed dataset as is, copied by the clone.
    expect(shareable(parsed, false)).toBe(parsed);

    for (const handed of [shared, parsed]) {
      const source: DataSource = {
        kind: 'encoded',
        dataset: structuredClone(handed),
        name: 'shops.csv',
        parsedBy: 'MMoE · seed 1',
      };
      const received = await runDataset(source, mapping);
      // Nothing is read or parsed again: the run trains on what it was handed.
      expect(received).toBe(source.dataset);
      expect(dataEvent('run-2', received, source)).toEqual({
        ...parsedEvent,
        runId: 'run-2',
        sharedFrom: 'MMoE · seed 1',
      });
      expect(received.notes).toEqual(parsed.notes);
      expect(received.missing).toEqual(parsed.missing);
    }
    // Shared memory: a later worker's arrays are the parsing worker's, not a copy.
    const cloned = structuredClone(shared);
    const first = shared.splits.train[0];
    shared.splits.train[0] = -7;
    expect(cloned.splits.train[0]).toBe(-7);
    shared.splits.train[0] = first;
  });

  it('refuses a handed dataset that does not fit the run mapping, naming the file and the parsing run', async () => {
    const parsed = await runDataset(text, mapping);
    const source: DataSource = {
      kind: 'encoded',
      dataset: parsed,
      name: 'shops.csv',
      parsedBy: 'PLE · seed 2',
    };
    const otherRule = { ...mapping, tasks: [mapping.tasks[0], { ...mapping.tasks[1], rule: '>= 3' }] };
    await expect(runDataset(source, otherRule)).rejects.toThrow(
      /shops\.csv shared from run "PLE · seed 2" does not fit .*liked: score >= 4.*liked: score >= 3/,
    );
    await expect(runDataset(source, { ...mapping, domain: 'brand' })).rejects.toThrow(
      /domain column is channel, the run's brand/,
    );
  });
});
