import { describe, expect, it } from 'vitest';
import { caseOnlyMatches, LABEL_INVALID, LABEL_MISSING, parseRule } from './rules';
import { DataError } from './types';

const apply = (rule: string, cells: string[]) => cells.map((c) => parseRule(rule).apply(c));

describe('parseRule', () => {
  it('== compares numerically when both sides are numbers, else as text', () => {
    expect(apply('== 1', ['1', '1.0', ' 1 ', '0', '10', 'one'])).toEqual([1, 1, 1, 0, 0, 0]);
    expect(apply('==yes', ['yes', 'Yes', 'no'])).toEqual([1, 0, 0]);
    expect(apply('== "New York"', ['New York', 'York'])).toEqual([1, 0]);
  });

  it('!= is the complement of ==', () => {
    expect(apply('!= 0', ['0', '0.0', '2', 'x'])).toEqual([0, 0, 1, 1]);
    expect(apply("!= 'a b'", ['a b', 'a'])).toEqual([0, 1]);
  });

  it('compares numbers with >, >=, <, <=', () => {
    const cells = ['2', '3', '3.0', '4', '-1e3'];
    expect(apply('> 3', cells)).toEqual([0, 0, 0, 1, 0]);
    expect(apply('>= 3', cells)).toEqual([0, 1, 1, 1, 0]);
    expect(apply('< 3', cells)).toEqual([1, 0, 0, 0, 1]);
    expect(apply('<= 3', cells)).toEqual([1, 1, 1, 0, 1]);
    expect(apply('> -2.5', ['-2', '-3'])).toEqual([1, 0]);
  });

  it('in {…} matches any member, trimmed and optionally quoted', () => {
    expect(apply('in {a, "b, c", \'d\', 4}', ['a', 'b, c', 'd', '4.0', 'b', 'e'])).toEqual([
      1, 1, 1, 1, 0, 0,
    ]);
    expect(apply('IN{x}', ['x', 'y'])).toEqual([1, 0]);
  });

  it('treats a blank cell and every missing-value marker as a missing label under every rule', () => {
    const missing = ['', '  ', 'NA', 'N/A', 'n/a', 'null', 'NULL', 'NaN', 'nan', '?', 'none', 'None'];
    for (const rule of ['== 1', '!= 0', '!= 1', '> 1', '<= 1', 'in {1}', '== yes', '!= no']) {
      expect(apply(rule, missing), rule).toEqual(missing.map(() => LABEL_MISSING));
    }
  });

  it('refuses a rule that names a missing-value marker', () => {
    for (const [rule, marker] of [
      ['== NA', 'NA'],
      ['!= none', 'none'],
      ['in {yes, null}', 'null'],
    ]) {
      expect(() => parseRule(rule)).toThrow(`"${marker}" marks a missing label`);
    }
  });

  it('flags a cell a number comparison cannot read', () => {
    expect(apply('> 3', ['abc', '0x1A', 'inf', '2,75', '4'])).toEqual([
      LABEL_INVALID,
      LABEL_INVALID,
      LABEL_INVALID,
      LABEL_INVALID,
      1,
    ]);
  });

  it('rejects a rule it cannot read, saying why', () => {
    const cases: [string, RegExp][] = [
      ['= 1', /use ==, !=, >, >=, <, <= followed by a value, or in \{a, b, c\}/],
      ['is 1', /use ==/],
      ['', /use ==/],
      ['==', /"==" needs a value/],
      ['> abc', /">" compares numbers, and "abc" is not one/],
      ['in {}', /empty value/],
      ['in {a,,b}', /empty value/],
    ];
    for (const [rule, why] of cases) {
      let err: unknown;
      try {
        parseRule(rule);
      } catch (e) {
        err = e;
      }
      expect(err, rule).toBeInstanceOf(DataError);
      expect((err as Error).message).toContain(`cannot read the rule "${rule}"`);
      expect((err as Error).message).toMatch(why);
    }
  });
});

describe('caseOnlyMatches', () => {
  const counts = (o: Record<string, number>) => Object.entries(o).map(([value, count]) => ({ value, count }));

  it('names a rule value that the column holds only in another case', () => {
    expect(caseOnlyMatches(parseRule('== yes'), counts({ Yes: 456, No: 544 }))).toEqual([
      { value: 'yes', exactRows: 0, variants: [{ value: 'Yes', count: 456 }] },
    ]);
  });

  it('counts the exact matches beside the case-only ones', () => {
    expect(caseOnlyMatches(parseRule('!= yes'), counts({ yes: 10, Yes: 3, YES: 2, no: 5 }))).toEqual([
      {
        value: 'yes',
        exactRows: 10,
        variants: [
          { value: 'Yes', count: 3 },
          { value: 'YES', count: 2 },
        ],
      },
    ]);
    const inSet = caseOnlyMatches(parseRule('in {A, b}'), counts({ a: 4, b: 6, c: 1 }));
    expect(inSet).toEqual([{ value: 'A', exactRows: 0, variants: [{ value: 'a', count: 4 }] }]);
  });

  it('finds nothing where every value meets the rule as written, numbers included, or for comparisons', () => {
    expect(caseOnlyMatches(parseRule('== yes'), counts({ yes: 1, no: 1 }))).toEqual([]);
    expect(caseOnlyMatches(parseRule('== 1e3'), counts({ '1E3': 1, '0': 1 }))).toEqual([]);
    expect(caseOnlyMatches(parseRule('> 3'), counts({ '4': 1, '1': 1 }))).toEqual([]);
  });
});
