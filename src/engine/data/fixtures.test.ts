/**
 * The files of e2e/fixtures, loaded as the page loads an upload: each gives the message (or row count) that
 * expected.json holds, so the browser test can assert the very same text on screen.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDataMapping } from '../experiment';
import { dataReport } from './checks';
import { loadDataset } from './load';
import { DataError } from './types';

const DIR = fileURLToPath(new URL('../../../e2e/fixtures/', import.meta.url));

interface Fixture {
  mapping: unknown;
  /** A substring of the engine's message, or the row count of a file that loads cleanly. */
  expect: string | number;
}

const expected = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as Record<string, Fixture>;

/** The load's DataError message, or the loaded dataset's report. */
async function load(name: string, fixture: Fixture) {
  const bytes = new Uint8Array(readFileSync(DIR + name));
  try {
    return { ds: await loadDataset(bytes, parseDataMapping(fixture.mapping), { name }) };
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return { error: err.message };
  }
}

describe('e2e fixtures', () => {
  it('lists every fixture file in expected.json', () => {
    const files = readdirSync(DIR).filter((f) => f !== 'expected.json');
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, fixture] of Object.entries(expected)) {
    it(`${name}: ${typeof fixture.expect === 'number' ? `${fixture.expect} rows` : fixture.expect}`, async () => {
      const { ds, error } = await load(name, fixture);
      if (typeof fixture.expect === 'number') {
        expect(error).toBeUndefined();
        expect(ds!.numRows).toBe(fixture.expect);
        expect(dataReport(ds!).issues.filter((i) => i.level === 'error')).toEqual([]);
        return;
      }
      const text =
        error ??
        dataReport(ds!)
          .issues.map((i) => i.message)
          .join('\n');
      expect(text).toContain(fixture.expect);
    });
  }
});
