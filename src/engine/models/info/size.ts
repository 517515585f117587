/**
 * What a model holds and computes, from its options and the data's dimensions, without building it (no tfjs):
 * the memory budget's input. Each model's info file describes its own parameters with the parts below, which
 * mirror the building blocks of layers.ts; size.test.ts checks every preset against the model really built,
 * tensor by tensor, so a model that changes its parameters without its description fails there.
 */

/** The dimensions a model is built for (DataShape's numbers), the embedding size and whether the domain is an input. */
export interface SizeDims {
  numCat: number;
  numNum: number;
  vocabSize: number;
  numDomains: number;
  numTasks: number;
  embeddingDim: number;
  /** train.domainInput: the domain id embedded as one more input field. */
  domainInput: boolean;
}

export interface ModelSize {
  /** Values of every parameter tensor the model may hold (the larger phase of a model that switches). */
  tensors: number[];
  /**
   * Values one batch row keeps alive through a training step's forward pass: the outputs of its layers, which
   * the backward pass reads and mirrors with gradients of the same size. budget.ts scales it by a measured factor.
   */
  rowValues: number;
  /** The widest single activation of one row: a batch of B rows needs a tensor of B times this. */
  widestRow: number;
  /**
   * Values a step computes once whatever the batch, beyond the parameters themselves: weights derived from
   * parameters (STAR's W ⊙ W_d, MoME's masked expert weights), which the backward pass mirrors.
   */
  stepValues: number;
}

/** A size being described: parameter tensors and per-row activation widths, added part by part. */
export class SizeBuilder {
  private readonly tensors: number[] = [];
  private rowValues = 0;
  private widestRow = 0;
  private stepValues = 0;

  /** Parameter tensors of these numbers of values. */
  params(...sizes: number[]): this {
    this.tensors.push(...sizes);
    return this;
  }

  /** Activations of these widths per row. */
  row(...widths: number[]): this {
    for (const w of widths) {
      this.rowValues += w;
      this.widestRow = Math.max(this.widestRow, w);
    }
    return this;
  }

  /** Values derived from parameters once per step (all the tensors of that size a step computes from them). */
  step(values: number): this {
    this.stepValues += values;
    return this;
  }

  /** A part described on its own, its parameters held `params` times and run `runs` times per row. */
  include(part: ModelSize, copies: { params: number; runs: number }): void {
    for (let i = 0; i < copies.params; i++) this.params(...part.tensors);
    this.rowValues += part.rowValues * copies.runs;
    this.widestRow = Math.max(this.widestRow, part.widestRow);
    this.stepValues += part.stepValues * copies.params;
  }

  /**
   * The feature input (layers.ts FeatureInput): one embedding table, numCat·dim + numNum values per row; with the
   * domain input, a D × dim table too, its one-hot product (dim per row) and dim more values per row.
   */
  featureInput(d: SizeDims): number {
    const dim = d.embeddingDim;
    const width = d.numCat * dim + d.numNum + (d.domainInput ? dim : 0);
    this.params(Math.max(d.vocabSize, 1) * dim);
    if (d.domainInput) this.params(d.numDomains * dim).row(dim);
    this.row(width);
    return width;
  }

  /** A dense layer (in → out): weight and bias; its output per row. */
  dense(inDim: number, outDim: number): number {
    this.params(inDim * outDim, outDim).row(outDim);
    return outDim;
  }

  /** An MLP (layers.ts Mlp): dense layers one after another; the last width. */
  mlp(inDim: number, sizes: number[]): number {
    return sizes.reduce((d, s) => this.dense(d, s), inDim);
  }

  /** n parallel MLPs (layers.ts StackedMlp, TaskTowers with a last size of 1): each layer's weight and bias. */
  stacked(n: number, inDim: number, sizes: number[]): number {
    sizes.reduce((d, s) => {
      this.params(n * d * s, n * s).row(n * s);
      return s;
    }, inDim);
    return sizes[sizes.length - 1];
  }

  /** One tower per task ending in a logit (towers.ts TaskTowers). */
  towers(tasks: number, inDim: number, hidden: number[]): void {
    this.stacked(tasks, inDim, [...hidden, 1]);
  }

  /** G softmax gates over E experts (gates.ts SoftmaxGates). */
  gates(inDim: number, gates: number, experts: number): void {
    this.params(inDim * gates * experts, gates * experts).row(gates * experts);
  }

  /** `units` mixtures of E expert outputs of width H (gates.ts mixExperts: the product before the sum per row). */
  mix(units: number, experts: number, width: number): void {
    this.row(units * experts * width, units * width);
  }

  /**
   * Batch-norm parameters and statistics of `values` values (layers.ts batchNormParams), normalising `rows`
   * values per row: its moments, centred and scaled copies.
   */
  batchNorm(values: number, rows: number): void {
    this.params(values, values, values, values).row(rows, rows);
  }

  finish(): ModelSize {
    const { tensors, rowValues, widestRow, stepValues } = this;
    return { tensors, rowValues, widestRow, stepValues };
  }
}
