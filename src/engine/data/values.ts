/** How the data layer reads one raw cell: shared by the label rules, the encoder and the split. */

/** The number a cell holds, or NaN when it is blank or not a finite number. */
export function parseNumber(cell: string): number {
  // Number('') and Number('  ') are 0, so a blank cell has to be caught before.
  if (cell.trim() === '') return NaN;
  const x = Number(cell);
  return Number.isFinite(x) ? x : NaN;
}

/**
 * A total order on values: numbers first, in numeric order ("2" before "10"), then the rest by code units.
 * Mixing the two orders pair by pair would not be transitive ("2" < "10" < "1a" < "2").
 */
export function compareValues(a: string, b: string): number {
  const x = parseNumber(a);
  const y = parseNumber(b);
  const xNum = !Number.isNaN(x);
  const yNum = !Number.isNaN(y);
  if (xNum !== yNum) return xNum ? -1 : 1;
  if (xNum && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
