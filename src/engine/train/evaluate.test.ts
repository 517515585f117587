import { beforeAll, describe, expect, it } from 'vitest';
import type { EncodedDataset } from '../data/types';
import type { Model } from '../models/types';
import { buildFor, tinyTwoDomains } from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { evaluate } from './evaluate';

/** The batch sizes `model` is run with while evaluating. */
function recordBatches(model: Model): number[] {
  const seen: number[] = [];
  const forward = model.forward.bind(model);
  model.forward = (batch, mode, rng) => {
    seen.push(batch.domain.shape[0]);
    return forward(batch, mode, rng);
  };
  return seen;
}

describe('evaluation batches', () => {
  let ds: EncodedDataset;
  beforeAll(async () => {
    await useCpu();
    ds = tinyTwoDomains(600);
  });

  it('are never padded past the rows evaluated: a huge training batch scores 50 rows as one batch of 50', async () => {
    const model = buildFor(ds, 'mmoe', { experts: 2, expertLayers: [8], towerLayers: [4] });
    const seen = recordBatches(model);
    const rows = ds.splits.test.subarray(0, 50);
    const huge = await evaluate(model, ds, rows, 4_000_000, new Rng(1), 'test');
    expect(seen).toEqual([50]);
    // The same metrics as scoring the rows in batches of 16 (4 batches, the last padded to 16 and read in part).
    seen.length = 0;
    const small = await evaluate(model, ds, rows, 16, new Rng(1), 'test');
    expect(seen).toEqual([16, 16, 16, 16]);
    expect(huge.byTask.map((t) => t.auc)).toEqual(small.byTask.map((t) => t.auc));
    model.params.dispose();
  });
});
