/**
 * Evaluation: probabilities and gate weights for a set of rows, read back once per batch, then
 * AUC and logloss per domain × task cell, per task, and mean gate weight per domain × expert.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchAssembler } from '../data/batches';
import type { EncodedDataset, SplitName } from '../data/types';
import { auc, logloss } from '../metrics/auc';
import { mutualInformation } from '../metrics/mutualInfo';
import type { Model } from '../models/types';
import type { Rng } from '../util/rng';
import { disposeBatch, toTensors } from './batchTensors';
import { yieldToEventLoop } from './control';
import type { EvalReport, GateStats, SliceMetrics } from './report';

export interface Predictions {
  /** rows × T probabilities, in the order of the evaluated rows. */
  probs: Float32Array;
  /** Per gate: rows × E weights. */
  routing: Map<string, { experts: number; weights: Float32Array }>;
  aux: Record<string, number>;
}

/** The evaluation batch: the training batch, but never padded past the rows evaluated (200 rows at batch 4e6 are 200). */
export function evalBatchSize(batchSize: number, rows: number): number {
  return Math.max(1, Math.min(batchSize, rows));
}

export async function predict(
  model: Model,
  ds: EncodedDataset,
  rows: Int32Array,
  trainBatch: number,
  rng: Rng,
): Promise<Predictions> {
  const T = ds.schema.tasks.length;
  const D = ds.schema.domains.length;
  const batchSize = evalBatchSize(trainBatch, rows.length);
  const assembler = new BatchAssembler(ds, batchSize);
  const probs = new Float32Array(rows.length * T);
  const routing = new Map<string, { experts: number; weights: Float32Array }>();
  const auxSum: Record<string, number> = {};
  let batches = 0;
  let lastYield = performance.now();
  for (let start = 0; start < rows.length; start += batchSize) {
    // A long pass still lets the worker read Stop (and say so) in time for the page's watchdog.
    if (performance.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    const real = assembler.fill(rows, start);
    const tensors = toTensors(assembler, D);
    // One tensor per batch holds probabilities, gate weights and aux terms: a single device readback.
    const { packed, gateNames, gateWidths, auxNames } = tf.tidy(() => {
      const out = model.forward(tensors.batch, 'eval', rng);
      const gateNames = Object.keys(out.routing);
      const auxNames = Object.keys(out.aux);
      const B = batchSize;
      const parts: tf.Tensor2D[] = [tf.sigmoid(out.logits), ...gateNames.map((g) => out.routing[g])];
      if (auxNames.length > 0)
        parts.push(
          tf.tile(tf.reshape(tf.stack(auxNames.map((a) => out.aux[a])), [1, -1]), [B, 1]) as tf.Tensor2D,
        );
      return {
        packed: tf.concat(parts, 1),
        gateNames,
        gateWidths: gateNames.map((g) => out.routing[g].shape[1]),
        auxNames,
      };
    });
    disposeBatch(tensors);
    const values = await packed.data();
    const width = packed.shape[1];
    packed.dispose();
    for (let r = 0; r < real; r++) {
      const base = r * width;
      probs.set(values.subarray(base, base + T), (start + r) * T);
      let col = base + T;
      gateNames.forEach((g, gi) => {
        const E = gateWidths[gi];
        let entry = routing.get(g);
        if (!entry) {
          entry = { experts: E, weights: new Float32Array(rows.length * E) };
          routing.set(g, entry);
        }
        entry.weights.set(values.subarray(col, col + E), (start + r) * E);
        col += E;
      });
    }
    auxNames.forEach((a, i) => {
      auxSum[a] = (auxSum[a] ?? 0) + values[width - auxNames.length + i];
    });
    batches++;
  }
  const aux: Record<string, number> = {};
  for (const [k, v] of Object.entries(auxSum)) aux[k] = v / Math.max(1, batches);
  return { probs, routing, aux };
}

/** Column t of a row-major [n × T] array, restricted to labelled rows of `rows` (positions into it). */
function column(values: Float32Array, T: number, t: number, positions: number[]): Float32Array {
  const out = new Float32Array(positions.length);
  positions.forEach((p, i) => (out[i] = values[p * T + t]));
  return out;
}

function slice(
  probs: Float32Array,
  labels: Float32Array,
  T: number,
  t: number,
  positions: number[],
): SliceMetrics {
  const p = column(probs, T, t, positions);
  const y = column(labels, T, t, positions);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  return { auc: auc(p, y), logloss: logloss(p, y), rows: y.length, positives };
}

function mean(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function report(
  ds: EncodedDataset,
  rows: Int32Array,
  pred: Predictions,
  split: SplitName,
  partial: boolean,
): EvalReport {
  const T = ds.schema.tasks.length;
  const D = ds.schema.domains.length;
  // Labels of the evaluated rows, in evaluation order, and the positions of labelled rows per (domain, task).
  const labels = new Float32Array(rows.length * T);
  const byCellPos: number[][][] = Array.from({ length: D }, () => Array.from({ length: T }, () => []));
  const byTaskPos: number[][] = Array.from({ length: T }, () => []);
  const domainPos: number[][] = Array.from({ length: D }, () => []);
  rows.forEach((row, i) => {
    const d = ds.domain[row];
    domainPos[d].push(i);
    for (let t = 0; t < T; t++) {
      labels[i * T + t] = ds.labels[row * T + t];
      if (ds.labelMask[row * T + t]) {
        byCellPos[d][t].push(i);
        byTaskPos[t].push(i);
      }
    }
  });
  const byCell = byCellPos.map((tasks) => tasks.map((pos, t) => slice(pred.probs, labels, T, t, pos)));
  const byTask = byTaskPos.map((pos, t) => slice(pred.probs, labels, T, t, pos));
  const gates: GateStats[] = [...pred.routing.entries()].map(([name, { experts: E, weights }]) => {
    // Per domain: summed weight and count of rows selecting each expert (weight exactly > 0).
    const weightSum = domainPos.map(() => new Array<number>(E).fill(0));
    const selected = domainPos.map(() => new Array<number>(E).fill(0));
    domainPos.forEach((positions, d) => {
      for (const p of positions) {
        for (let e = 0; e < E; e++) {
          const w = weights[p * E + e];
          weightSum[d][e] += w;
          if (w > 0) selected[d][e]++;
        }
      }
    });
    const per = (sums: number[][]) =>
      sums.map((row, d) => row.map((x) => (domainPos[d].length > 0 ? x / domainPos[d].length : 0)));
    const n = Math.max(1, rows.length);
    const overall = weightSum[0].map((_, e) => weightSum.reduce((a, r) => a + r[e], 0) / n);
    const activePerRow = selected.flat().reduce((a, b) => a + b, 0) / n;
    return {
      name,
      byDomain: per(weightSum),
      overall,
      selectedByDomain: per(selected),
      activePerRow,
      selectionMi: mutualInformation(selected),
    };
  });
  return {
    split,
    partial,
    rows: rows.length,
    byCell,
    byTask,
    meanCellAuc: mean(byCell.flat().map((c) => c.auc)),
    meanTaskAuc: mean(byTask.map((c) => c.auc)),
    aux: pred.aux,
    gates,
  };
}

export async function evaluate(
  model: Model,
  ds: EncodedDataset,
  rows: Int32Array,
  batchSize: number,
  rng: Rng,
  split: SplitName,
  partial = false,
): Promise<EvalReport> {
  return report(ds, rows, await predict(model, ds, rows, batchSize, rng), split, partial);
}
