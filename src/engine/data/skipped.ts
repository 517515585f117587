/** Bookkeeping of skipped rows: every one counted, the first few kept as examples for the message. */
import type { SkippedRows } from './types';

export const MAX_SKIPPED_EXAMPLES = 10;

export function noteSkipped(skipped: SkippedRows, row: number, reason: string): void {
  skipped.count++;
  if (skipped.examples.length < MAX_SKIPPED_EXAMPLES) skipped.examples.push({ row, reason });
}

/** Both tallies in one, examples in file order. */
export function mergeSkipped(a: SkippedRows, b: SkippedRows): SkippedRows {
  const examples = [...a.examples, ...b.examples]
    .sort((x, y) => x.row - y.row)
    .slice(0, MAX_SKIPPED_EXAMPLES);
  return { count: a.count + b.count, examples };
}
