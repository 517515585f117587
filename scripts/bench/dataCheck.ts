import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataReport } from '../../src/engine/data/checks';
import { loadDataset } from '../../src/engine/data/load';
import type { DataMapping } from '../../src/engine/data/types';

/**
 * Check data, as the page runs it, on the bench's data before any training: prints its notes (skipped rows,
 * imputed values, missing labels, leaking columns…) as one JSON line and returns them for each run's summary.
 * A Check-data error stops the bench unless `allowErrors`: its numbers could not be trusted.
 */
export async function checkBenchData(
  dataPath: string,
  mapping: DataMapping,
  allowErrors: boolean,
): Promise<string[]> {
  const name = path.basename(dataPath);
  const dataset = await loadDataset(new Uint8Array(readFileSync(dataPath)), mapping, { name });
  const { issues } = dataReport(dataset);
  const notes = issues.map((i) => `${i.level}: ${i.message}`);
  console.log(JSON.stringify({ event: 'data', file: name, rows: dataset.numRows, notes }));
  const errors = issues.filter((i) => i.level === 'error');
  if (errors.length > 0 && !allowErrors) {
    throw new Error(
      `Check data found ${errors.length} error${errors.length > 1 ? 's' : ''} in ${name}:\n` +
        `${errors.map((e) => `- ${e.message}`).join('\n')}\n` +
        'fix the data or the mapping, or pass --allow-data-errors to train on it anyway',
    );
  }
  return notes;
}
