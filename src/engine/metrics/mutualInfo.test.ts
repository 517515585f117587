import { describe, expect, it } from 'vitest';
import { mutualInformation } from './mutualInfo';

describe('mutualInformation', () => {
  it('is log 2 when two domains each pick their own expert, 0 when independent', () => {
    expect(
      mutualInformation([
        [5, 0],
        [0, 5],
      ]),
    ).toBeCloseTo(Math.log(2), 10);
    expect(
      mutualInformation([
        [2, 2],
        [3, 3],
      ]),
    ).toBeCloseTo(0, 10);
    expect(
      mutualInformation([
        [0, 0],
        [0, 0],
      ]),
    ).toBe(0);
  });

  it('matches a hand-computed skewed table', () => {
    // p = [[.3,.1],[.2,.4]]; margins rows .4/.6, cols .5/.5.
    const expected =
      0.3 * Math.log(0.3 / 0.2) +
      0.1 * Math.log(0.1 / 0.2) +
      0.2 * Math.log(0.2 / 0.3) +
      0.4 * Math.log(0.4 / 0.3);
    expect(
      mutualInformation([
        [3, 1],
        [2, 4],
      ]),
    ).toBeCloseTo(expected, 10);
  });
});
