/** Task rules: `== v`, `!= v`, `> n`, `>= n`, `< n`, `<= n`, `in {a, b}` turn a raw cell into a 0/1 label. */
import type { ValueCount } from './profile';
import { DataError } from './types';
import { isMissingCell, parseNumber } from './values';

/** The cell is blank or a missing-value marker (values.ts): the label is unknown (labelMask 0), not 0. */
export const LABEL_MISSING = -1;
/** A number comparison met a cell that is not a number: the caller reports the row. */
export const LABEL_INVALID = -2;

export type LabelOutcome = 0 | 1 | typeof LABEL_MISSING | typeof LABEL_INVALID;

export interface LabelRule {
  /** The rule as written. */
  text: string;
  apply(cell: string): LabelOutcome;
  /** The values `==`, `!=` and `in {…}` name; empty for a number comparison. */
  values: string[];
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

/**
 * Labels 1 where the cell matches (or, with `positive` false, where it does not); a missing cell is missing
 * under either, never a negative of one and a positive of the other.
 */
function textRule(matches: (cell: string) => boolean, positive: boolean): (cell: string) => LabelOutcome {
  return (cell) => {
    if (isMissingCell(cell, 'label')) return LABEL_MISSING;
    return matches(cell.trim()) === positive ? 1 : 0;
  };
}

/** A rule cannot name a missing-value marker: the cells holding one have no label under any rule. */
function checkValues(rule: string, values: string[]): string[] {
  const marker = values.find((v) => isMissingCell(v, 'label'));
  if (marker !== undefined) {
    throw ruleError(
      rule,
      `"${marker}" marks a missing label (as do blank, NA, N/A, null, NaN, None and ?): cells holding it are left ` +
        `out of the task under every rule`,
    );
  }
  return values;
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
    return { text, apply: textRule(matcher(checkValues(rule, values)), true), values };
  }
  const opMatch = /^(==|!=|>=|<=|>|<)(.*)$/s.exec(text);
  if (!opMatch) throw ruleError(rule, HELP);
  const op = opMatch[1] as Op;
  const value = unquote(opMatch[2]);
  if (value === '') throw ruleError(rule, `"${op}" needs a value`);
  if (op === '==' || op === '!=') {
    return { text, apply: textRule(matcher(checkValues(rule, [value])), op === '=='), values: [value] };
  }
  const threshold = parseNumber(value);
  if (Number.isNaN(threshold)) throw ruleError(rule, `"${op}" compares numbers, and "${value}" is not one`);
  const test = compare(op, threshold);
  return {
    text,
    values: [],
    apply(cell) {
      if (isMissingCell(cell, 'label')) return LABEL_MISSING;
      const x = parseNumber(cell);
      if (Number.isNaN(x)) return LABEL_INVALID;
      return test(x) ? 1 : 0;
    },
  };
}

/** A value a rule names that some of the column's values equal only when case is ignored. */
export interface CaseOnlyMatch {
  value: string;
  /** Rows whose value the rule matches as written. */
  exactRows: number;
  /** The values that differ from it only by case, with their rows: the rule does not match them. */
  variants: ValueCount[];
}

/**
 * The values the rule names that a column's values (trimmed, with their rows) miss only by case: "== yes" over
 * "Yes" cells would make every one of them a negative without a word.
 */
export function caseOnlyMatches(rule: LabelRule, counts: readonly ValueCount[]): CaseOnlyMatch[] {
  const out: CaseOnlyMatch[] = [];
  for (const value of rule.values) {
    const matches = matcher([value]);
    const lower = value.toLowerCase();
    let exactRows = 0;
    const variants: ValueCount[] = [];
    for (const c of counts) {
      if (matches(c.value)) exactRows += c.count;
      else if (c.value.toLowerCase() === lower) variants.push(c);
    }
    if (variants.length > 0) out.push({ value, exactRows, variants });
  }
  return out;
}
