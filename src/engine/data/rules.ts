/** Task rules: `== v`, `!= v`, `> n`, `>= n`, `< n`, `<= n`, `in {a, b}` turn a raw cell into a 0/1 label. */
import { DataError } from './types';
import { parseNumber } from './values';

/** The cell is blank: the label is unknown (labelMask 0), not 0. */
export const LABEL_MISSING = -1;
/** A number comparison met a cell that is not a number: the caller reports the row. */
export const LABEL_INVALID = -2;

export type LabelOutcome = 0 | 1 | typeof LABEL_MISSING | typeof LABEL_INVALID;

export interface LabelRule {
  /** The rule as written. */
  text: string;
  apply(cell: string): LabelOutcome;
}

type Op = '==' | '!=' | '>' | '>=' | '<' | '<=';

const HELP = 'use ==, !=, >, >=, <, <= followed by a value, or in {a, b, c}';

function ruleError(rule: string, why: string): DataError {
  return new DataError(`cannot read the rule "${rule}": ${why}`);
}

/** Strips one pair of matching quotes around a trimmed value. */
function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** Splits `a, "b, c", 'd'` at the commas outside quotes. */
function splitList(body: string): string[] {
  const items: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ',') {
      items.push(body.slice(start, i));
      start = i + 1;
    }
  }
  items.push(body.slice(start));
  return items.map(unquote);
}

/**
 * Matches a cell against a set of values: numerically where the cell and a value both read as numbers
 * (so `== 1` matches "1.0"), else by exact text.
 */
function matcher(values: string[]): (cell: string) => boolean {
  const texts = new Set(values);
  const numbers = new Set(values.map(parseNumber).filter((x) => !Number.isNaN(x)));
  return (cell) => {
    if (texts.has(cell)) return true;
    if (numbers.size === 0) return false;
    const x = parseNumber(cell);
    return !Number.isNaN(x) && numbers.has(x);
  };
}

/** Labels 1 where the cell matches (or, with `positive` false, where it does not); a blank cell is missing. */
function textRule(matches: (cell: string) => boolean, positive: boolean): (cell: string) => LabelOutcome {
  return (cell) => {
    const t = cell.trim();
    if (t === '') return LABEL_MISSING;
    return matches(t) === positive ? 1 : 0;
  };
}

function compare(op: Op, threshold: number): (x: number) => boolean {
  switch (op) {
    case '>':
      return (x) => x > threshold;
    case '>=':
      return (x) => x >= threshold;
    case '<':
      return (x) => x < threshold;
    case '<=':
      return (x) => x <= threshold;
    default:
      throw new Error(`not a comparison: ${op}`);
  }
}

/** Parses a rule; a rule it cannot read is a DataError that says what is wrong and what is allowed. */
export function parseRule(rule: string): LabelRule {
  const text = rule.trim();
  const inMatch = /^in\s*\{(.*)\}$/is.exec(text);
  if (inMatch) {
    const values = splitList(inMatch[1]);
    if (values.some((v) => v === '')) throw ruleError(rule, 'the set holds an empty value');
    return { text, apply: textRule(matcher(values), true) };
  }
  const opMatch = /^(==|!=|>=|<=|>|<)(.*)$/s.exec(text);
  if (!opMatch) throw ruleError(rule, HELP);
  const op = opMatch[1] as Op;
  const value = unquote(opMatch[2]);
  if (value === '') throw ruleError(rule, `"${op}" needs a value`);
  if (op === '==' || op === '!=') {
    return { text, apply: textRule(matcher([value]), op === '==') };
  }
  const threshold = parseNumber(value);
  if (Number.isNaN(threshold)) throw ruleError(rule, `"${op}" compares numbers, and "${value}" is not one`);
  const test = compare(op, threshold);
  return {
    text,
    apply(cell) {
      if (cell.trim() === '') return LABEL_MISSING;
      const x = parseNumber(cell);
      if (Number.isNaN(x)) return LABEL_INVALID;
      return test(x) ? 1 : 0;
    },
  };
}
