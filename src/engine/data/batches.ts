/**
 * Fixed-shape batches assembled on the CPU into arrays allocated once: every batch has the same shape, so the
 * backend compiles its kernels once and nothing is allocated per step.
 */
import type { Rng } from '../util/rng';
import type { EncodedDataset } from './types';

export class BatchAssembler {
  readonly numCat: number;
  readonly numNum: number;
  readonly numTasks: number;
  /** [B, numCat] ids into the shared embedding table. */
  readonly cat: Int32Array;
  /** [B, numNum] standardised numerics. */
  readonly num: Float32Array;
  /** [B] domain ids. */
  readonly domain: Int32Array;
  /** [B, numTasks] labels in {0, 1}. */
  readonly labels: Float32Array;
  /** [B, numTasks] 1 where the label is known; float so that it multiplies the loss directly. */
  readonly labelMask: Float32Array;

  constructor(
    private readonly ds: EncodedDataset,
    readonly batchSize: number,
  ) {
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new RangeError(`batch size ${batchSize} is not a positive integer`);
    this.numCat = ds.schema.categorical.length;
    this.numNum = ds.schema.numeric.length;
    this.numTasks = ds.schema.tasks.length;
    this.cat = new Int32Array(batchSize * this.numCat);
    this.num = new Float32Array(batchSize * this.numNum);
    this.domain = new Int32Array(batchSize);
    this.labels = new Float32Array(batchSize * this.numTasks);
    this.labelMask = new Float32Array(batchSize * this.numTasks);
  }

  /**
   * Copies dataset rows rowIndices[start], rowIndices[start + 1], ... into the batch and returns how many real rows
   * it holds. A short last batch is padded by repeating its own rows, so the shape stays fixed: evaluation reads
   * only the first n slots; training passes full batches only.
   */
  fill(rowIndices: ArrayLike<number>, start: number): number {
    const { ds, numCat, numNum, numTasks } = this;
    const n = Math.min(this.batchSize, rowIndices.length - start);
    if (!(Number.isInteger(start) && start >= 0 && n > 0)) {
      throw new RangeError(`no rows to batch from position ${start} of ${rowIndices.length}`);
    }
    for (let s = 0; s < this.batchSize; s++) {
      const r = rowIndices[start + (s % n)];
      copy(ds.cat, r * numCat, this.cat, s * numCat, numCat);
      copy(ds.num, r * numNum, this.num, s * numNum, numNum);
      copy(ds.labels, r * numTasks, this.labels, s * numTasks, numTasks);
      copy(ds.labelMask, r * numTasks, this.labelMask, s * numTasks, numTasks);
      this.domain[s] = ds.domain[r];
    }
    return n;
  }
}

/** Element loop: rows are a few dozen values, too short for subarray + set to pay for their allocations. */
function copy(
  from: ArrayLike<number>,
  fromAt: number,
  to: { [i: number]: number },
  toAt: number,
  count: number,
): void {
  for (let i = 0; i < count; i++) to[toAt + i] = from[fromAt + i];
}

/** A shuffled copy of the train rows for one epoch; the split itself is never reordered. */
export function shuffledEpoch(trainRows: Int32Array, rng: Rng): Int32Array {
  return rng.shuffle(trainRows.slice());
}
