import { describe, expect, it } from 'vitest';
import { LABEL_INVALID, LABEL_MISSING, parseRule } from './rules';
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

  it('treats a blank cell as a missing label under every rule', () => {
    for (const rule of ['== 1', '!= 1', '> 1', '<= 1', 'in {1}']) {
      expect(apply(rule, ['', '  '])).toEqual([LABEL_MISSING, LABEL_MISSING]);
    }
  });

  it('flags a cell a number comparison cannot read', () => {
    expect(apply('> 3', ['abc', 'NaN', '4'])).toEqual([LABEL_INVALID, LABEL_INVALID, 1]);
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
