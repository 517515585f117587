import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';
import { missingKernels } from './backend';

describe('backend kernels', () => {
  beforeAll(useCpu);

  it('finds every kernel training needs on cpu, and names what an unknown backend lacks', () => {
    expect(missingKernels('cpu')).toEqual([]);
    expect(missingKernels('no-such-backend')).toContain('UnsortedSegmentSum');
  });
});
