/**
 * A missing label (blank, NA, N/A, null, NaN, None, ?) travels from the file to the loss and the metrics as a
 * masked cell: the loss and every metric are those of the same file without those rows, under any rule.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/tf';
import { report } from '../train/evaluate';
import { maskedBce, taskMeans } from '../train/loss';
import { Rng } from '../util/rng';
import { parseCsv } from './csv';
import { encodeDataset } from './encode';
import type { DataMapping, EncodedDataset } from './types';

const MARKERS = ['', 'NA', 'N/A', 'null', 'NaN', 'None', 'none', '?'];

/** 120 labelled rows, and the same with a marker row after every fifth; its label would be 0 or 1 if misread. */
function files(): { clean: string; marked: string } {
  const rng = new Rng(4);
  const clean = ['dom,x,y,split'];
  const marked = ['dom,x,y,split'];
  for (let i = 0; i < 120; i++) {
    const row = `${['a', 'b'][i % 2]},${rng.int(9)},${rng.int(2)},train`;
    clean.push(row);
    marked.push(row);
    if (i % 5 === 0)
      marked.push(`${['a', 'b'][i % 2]},${rng.int(9)},${MARKERS[(i / 5) % MARKERS.length]},train`);
  }
  return { clean: clean.join('\n'), marked: marked.join('\n') };
}

/** A model's logit for each row: x as written in the file (each file standardises x on its own train rows). */
function logitOf(ds: EncodedDataset, row: number): number {
  const { mean, std } = ds.schema.numeric[0];
  return (ds.num[row] * std + mean - 4) / 2;
}

function metrics(ds: EncodedDataset) {
  const rows = ds.splits.train;
  const probs = Float32Array.from(rows, (r) => 1 / (1 + Math.exp(-logitOf(ds, r))));
  const { byTask } = report(ds, rows, { probs, routing: new Map(), aux: {} }, 'train', false);
  return byTask[0];
}

async function loss(ds: EncodedDataset): Promise<number> {
  const rows = ds.splits.train;
  const B = rows.length;
  const logits = tf.tensor2d(
    Float32Array.from(rows, (r) => logitOf(ds, r)),
    [B, 1],
  );
  const labels = tf.tensor2d(
    Float32Array.from(rows, (r) => ds.labels[r]),
    [B, 1],
  );
  const mask = tf.tensor2d(
    Float32Array.from(rows, (r) => ds.labelMask[r]),
    [B, 1],
  );
  const mean = taskMeans(maskedBce(logits, labels, mask), mask);
  const [value] = await mean.data();
  tf.dispose([logits, labels, mask, mean]);
  return value;
}

describe('missing labels', () => {
  beforeAll(useCpu);
  const { clean, marked } = files();

  for (const rule of ['== 1', '!= 0', '> 0.5', 'in {1}']) {
    it(`are left out of the loss and the metrics under rule "${rule}"`, async () => {
      const mapping: DataMapping = {
        domain: 'dom',
        tasks: [{ name: 'y', column: 'y', rule }],
        numeric: ['x'],
        split: 'split',
      };
      const a = encodeDataset(parseCsv(clean), mapping);
      const b = encodeDataset(parseCsv(marked), mapping);
      expect(b.numRows - a.numRows).toBe(24);
      expect(b.missing.y).toBe(24);
      const ma = metrics(a);
      const mb = metrics(b);
      expect(mb.rows).toBe(ma.rows);
      expect(mb.positives).toBe(ma.positives);
      expect(mb.auc).toBeCloseTo(ma.auc!, 12);
      expect(await loss(b)).toBeCloseTo(await loss(a), 5);
    });
  }
});
