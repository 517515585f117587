/**
 * The training loop, which knows no model: fixed-shape batches, task BCE + the model's named
 * auxiliary terms, packed Adam, live and end-of-epoch validation, early stopping on mean valid AUC
 * over (domain, task) cells with the best weights restored, and the final test pass.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchAssembler, shuffledEpoch } from '../data/batches';
import { DataError, type EncodedDataset } from '../data/types';
import { formulationFor, type Formulation } from '../models/experts';
import type { Model } from '../models/types';
import { Rng } from '../util/rng';
import { countKernels } from '../kernels/dispatches';
import { createAdam, type Optimizer } from './adam';
import { disposeBatch, toTensors, type LabelledBatch } from './batchTensors';
import type { TrainConfig } from './config';
import { RunControl, yieldToEventLoop } from './control';
import { evaluate } from './evaluate';
import type { TrainEvent, WeightsSource } from './events';
import { taskMeans } from './loss';
import { RunMonitor } from './monitor';
import type { EvalReport } from './report';

export type DoneEvent = Extract<TrainEvent, { type: 'done' }>;

/** A best-epoch snapshot: its mean valid AUC over cells, when it was taken, and a copy of every stored parameter. */
interface Snapshot {
  auc: number;
  epoch: number;
  step: number;
  weights: Map<tf.Variable, tf.Tensor>;
}

/** What broke a step, if anything: a non-finite loss, or an update that left a non-finite weight. */
function brokenStep(values: Float32Array, step: number, epoch: number, learningRate: number): string | null {
  const where = `at step ${step} (epoch ${epoch}): lower the learning rate (now ${learningRate})`;
  if (!Number.isFinite(values[0])) return `the loss became ${values[0]} ${where}`;
  if (!Number.isFinite(values[values.length - 1]))
    return `an update made the weights non-finite (NaN or ±Infinity) ${where}`;
  return null;
}

export class TrainingError extends Error {
  override name = 'TrainingError';
}

export interface TrainerOptions {
  model: Model;
  dataset: EncodedDataset;
  config: TrainConfig;
  onEvent: (e: TrainEvent) => void;
  control?: RunControl;
  /** Minimum wall time between progress events (the last step of an epoch always reports). */
  progressIntervalMs?: number;
  /** The backend's formulation (it picks the optimizer); default: the active tfjs backend's. */
  formulation?: Formulation;
}

interface StepParts {
  parts: tf.Tensor1D;
  auxNames: string[];
}

/** Loss parts of one step, read back together: [total, task losses…, aux terms…, finiteness probe of the update]. */
interface StepResult {
  values: Float32Array;
  auxNames: string[];
  /** JS time spent issuing the step (upload, forward, backward, optimizer) before waiting for its result. */
  hostMs: number;
}

export class Trainer {
  private readonly model: Model;
  private readonly ds: EncodedDataset;
  private readonly cfg: TrainConfig;
  private readonly rng: Rng;
  private readonly control: RunControl;
  private readonly assembler: BatchAssembler;
  private readonly archAssembler: BatchAssembler;
  private readonly formulation: Formulation;
  private optimizer: Optimizer;
  private readonly archOptimizer: Optimizer | null = null;
  private archCursor = 0;
  private step = 0;
  private monitor: RunMonitor | null = null;

  constructor(private readonly opts: TrainerOptions) {
    this.model = opts.model;
    this.ds = opts.dataset;
    this.cfg = opts.config;
    this.rng = new Rng(opts.config.seed * 7919 + 17);
    this.control = opts.control ?? new RunControl();
    const trainRows = this.ds.splits.train.length;
    if (trainRows < this.cfg.batchSize) {
      throw new DataError(
        `the train split has ${trainRows} rows, fewer than one batch of ${this.cfg.batchSize}: lower the batch size (train.batchSize) or use more data`,
      );
    }
    if (this.ds.splits.valid.length === 0)
      throw new DataError(
        'the valid split is empty: early stopping and the live curves need validation rows',
      );
    if (this.ds.splits.test.length === 0)
      throw new DataError('the test split is empty: the final metrics need test rows');
    this.assembler = new BatchAssembler(this.ds, this.cfg.batchSize);
    this.archAssembler = new BatchAssembler(this.ds, this.cfg.batchSize);
    this.formulation = opts.formulation ?? formulationFor(tf.getBackend());
    this.optimizer = createAdam(
      this.weightVariables(),
      { learningRate: this.cfg.learningRate },
      this.formulation,
    );
    const arch = this.model.architecture;
    if (arch) {
      if (this.ds.splits[arch.split].length < this.cfg.batchSize)
        throw new DataError(
          `the ${arch.split} split has fewer rows than one batch of ${this.cfg.batchSize}: the architecture search needs a full batch of it`,
        );
      this.archOptimizer = createAdam(arch.params, { learningRate: arch.learningRate }, this.formulation);
    }
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.ds.splits.train.length / this.cfg.batchSize);
  }

  /** The loss minimised: the model's task loss (default Σ_t mean BCE_t) plus its auxiliary terms. */
  private objective(b: LabelledBatch): {
    total: tf.Scalar;
    taskLoss: tf.Tensor1D;
    aux: Record<string, tf.Scalar>;
  } {
    const out = this.model.forward(b.batch, 'train', this.rng);
    const bce = this.formulation.maskedBce(out.logits, b.labels, b.mask);
    const taskLoss = taskMeans(bce, b.mask);
    const objective = this.model.taskLoss ? this.model.taskLoss(bce, b.mask, b.batch) : tf.sum(taskLoss);
    const total = Object.values(out.aux).reduce<tf.Scalar>(
      (acc, a) => tf.add(acc, a),
      objective as tf.Scalar,
    );
    return { total, taskLoss, aux: out.aux };
  }

  /** One architecture step (first-order DARTS): the structure parameters alone, on a batch of their split. */
  private architectureStep(): void {
    const arch = this.model.architecture;
    if (!arch || !this.archOptimizer) return;
    const rows = this.ds.splits[arch.split];
    if (this.archCursor + this.cfg.batchSize > rows.length) this.archCursor = 0;
    this.archAssembler.fill(rows, this.archCursor);
    this.archCursor += this.cfg.batchSize;
    const b = toTensors(this.archAssembler, this.ds.schema.domains.length);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => this.objective(b).total, arch.params);
      this.archOptimizer?.apply(arch.params.map((v) => grads[v.name]));
    });
    disposeBatch(b);
  }

  /** Variables the main optimizer updates: every trainable one except the architecture's (unless it asks for both). */
  private weightVariables(): tf.Variable[] {
    const arch = new Set(
      this.model.architecture?.alsoTrainedWithWeights ? [] : (this.model.architecture?.params ?? []),
    );
    return this.model.params.trainable().filter((v) => !arch.has(v));
  }

  /**
   * One optimisation step; returns [total, task losses…, aux terms…, 0 or NaN] still on the device, the last
   * entry NaN when the update left a non-finite weight (PackedAdam.apply).
   */
  private trainStep(b: LabelledBatch): StepParts {
    const vars = this.optimizer.vars;
    let auxNames: string[] = [];
    const parts = tf.tidy(() => {
      let losses: tf.Tensor[] = [];
      const { grads } = tf.variableGrads(() => {
        const { total, taskLoss, aux } = this.objective(b);
        auxNames = Object.keys(aux);
        losses = [tf.reshape(total, [1]), taskLoss, ...auxNames.map((k) => tf.reshape(aux[k], [1]))].map(
          (t) => tf.keep(t),
        );
        return total;
      }, vars);
      const finite = this.optimizer.apply(vars.map((v) => grads[v.name]));
      const all = tf.concat([...losses, tf.reshape(finite, [1])]) as tf.Tensor1D;
      tf.dispose(losses);
      return all;
    });
    return { parts, auxNames };
  }

  private async runStep(rows: Int32Array, start: number): Promise<StepResult> {
    const t0 = performance.now();
    this.assembler.fill(rows, start);
    const b = toTensors(this.assembler, this.ds.schema.domains.length);
    const { parts, auxNames } = this.trainStep(b);
    disposeBatch(b);
    // On a GPU the work is only queued by now; on cpu and wasm it is done.
    const hostMs = performance.now() - t0;
    const values = (await parts.data()) as Float32Array;
    parts.dispose();
    return { values, auxNames, hostMs };
  }

  /** Kernels one training step launches (profileStep). */
  async kernelsPerStep(): Promise<number> {
    return (await this.profileStep()).kernels;
  }

  /**
   * One training step, counted and timed: the kernels it launches (on a GPU this count is the cost, see
   * countKernels) and the JS time spent issuing it. The step is undone (weights and optimizer state restored), so
   * it can run at any point.
   */
  async profileStep(): Promise<{ kernels: number; hostMs: number }> {
    const weights = this.snapshot();
    const state = this.optimizer.saveState();
    let hostMs = 0;
    const kernels = await countKernels(() => {
      const t0 = performance.now();
      this.assembler.fill(this.ds.splits.train, 0);
      const b = toTensors(this.assembler, this.ds.schema.domains.length);
      this.trainStep(b).parts.dispose();
      disposeBatch(b);
      hostMs = performance.now() - t0;
    });
    this.restore(weights);
    tf.dispose([...weights.values()]);
    this.optimizer.restoreState(state);
    return { kernels, hostMs };
  }

  /** Copies of every stored parameter, keyed by variable (a phase switch may change which are trainable). */
  private snapshot(): Map<tf.Variable, tf.Tensor> {
    return new Map(this.model.params.entries().map(([, v]) => [v, tf.clone(v)]));
  }

  private restore(saved: Map<tf.Variable, tf.Tensor>): void {
    for (const [v, value] of saved) if (!v.isDisposed) v.assign(value);
  }

  async run(): Promise<DoneEvent> {
    const { cfg, ds, opts, control } = this;
    const T = ds.schema.tasks.length;
    const taskNames = ds.schema.tasks.map((t) => t.name);
    const perEpoch = this.stepsPerEpoch;
    const plannedSteps =
      cfg.maxSteps > 0 ? Math.min(cfg.maxSteps, cfg.epochs * perEpoch) : cfg.epochs * perEpoch;
    opts.onEvent({
      type: 'started',
      params: this.model.params.count(),
      stepsPerEpoch: perEpoch,
      totalSteps: plannedSteps,
      shape: {
        numCat: ds.schema.categorical.length,
        numNum: ds.schema.numeric.length,
        vocabSize: ds.schema.vocabSize,
        numDomains: ds.schema.domains.length,
        numTasks: T,
        domainNames: ds.schema.domains.slice(),
        taskNames,
      },
      trainRows: ds.splits.train.length,
      validRows: ds.splits.valid.length,
      testRows: ds.splits.test.length,
    });

    const liveRows = new Rng(cfg.seed)
      .shuffle(ds.splits.valid.slice())
      .subarray(0, Math.min(cfg.liveEvalRows, ds.splits.valid.length));
    const shuffleRng = new Rng(cfg.seed);
    this.monitor = new RunMonitor(ds.schema.domains, taskNames, (flag) =>
      opts.onEvent({ type: 'flag', flag }),
    );
    let best: Snapshot | null = null;
    let sinceBest = 0;
    let reason: DoneEvent['reason'] = 'completed';
    let failure: string | undefined;
    let epochsRun = 0;
    let epoch = 0;
    let lastProgress = -Infinity;
    let lastYield = performance.now();
    const window: number[] = [];
    const hostWindow: number[] = [];

    outer: for (; epoch < cfg.epochs; epoch++) {
      const order = shuffledEpoch(ds.splits.train, shuffleRng);
      for (let s = 0; s < perEpoch; s++) {
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        await control.waitWhilePaused();
        if (control.isStopped) {
          reason = 'stopped';
          break outer;
        }
        const hook = this.model.hooks?.beforeStep?.(this.step, epoch, perEpoch);
        if (hook?.variablesChanged) {
          // Adam keeps its moments per variable: a new variable list needs a new optimizer.
          this.optimizer.dispose();
          this.optimizer = createAdam(
            this.weightVariables(),
            { learningRate: cfg.learningRate },
            this.formulation,
          );
        }
        if (hook?.resetBest && best) {
          tf.dispose([...best.weights.values()]);
          best = null;
          sinceBest = 0;
        }
        const t0 = performance.now();
        const { values, auxNames, hostMs } = await this.runStep(order, s * cfg.batchSize);
        const ms = performance.now() - t0;
        this.step++;
        const arch = this.model.architecture;
        if (arch && this.step % arch.everySteps === 0) this.architectureStep();
        const broken = brokenStep(values, this.step, epoch + 1, cfg.learningRate);
        if (broken) {
          // The weights now hold NaN or ±Infinity: only a snapshot taken before can still be tested.
          if (!best) {
            throw new TrainingError(
              `${broken}; no epoch had finished, so no weights are left to test (results up to the last evaluation are kept)`,
            );
          }
          reason = 'diverged';
          failure = `${broken}; the test metrics are those of the best epoch (${best.epoch}), restored`;
          break outer;
        }
        const taskLossSum = values.subarray(1, 1 + T).reduce((a, b) => a + b, 0);
        this.monitor.onStep(this.step, taskLossSum, cfg.learningRate);
        window.push(ms);
        hostWindow.push(hostMs);
        if (window.length > 20) window.shift();
        if (hostWindow.length > 20) hostWindow.shift();
        const now = performance.now();
        const epochEnd = s === perEpoch - 1;
        if (epochEnd || now - lastProgress >= (opts.progressIntervalMs ?? 0)) {
          lastProgress = now;
          const msPerStep = window.reduce((a, b) => a + b, 0) / window.length;
          const taskLoss: Record<string, number> = {};
          taskNames.forEach((n, t) => (taskLoss[n] = values[1 + t]));
          const aux: Record<string, number> = {};
          auxNames.forEach((n, i) => (aux[n] = values[1 + T + i]));
          opts.onEvent({
            type: 'progress',
            step: this.step,
            epoch: epoch + 1,
            loss: values[0],
            taskLoss,
            aux,
            samplesPerSecond: (cfg.batchSize * 1000) / msPerStep,
            msPerStep,
            hostMsPerStep: hostWindow.reduce((a, b) => a + b, 0) / hostWindow.length,
          });
        }
        if (cfg.maxSteps > 0 && this.step >= cfg.maxSteps) {
          reason = 'max-steps';
          break outer;
        }
        if (cfg.evalEvery > 0 && this.step % cfg.evalEvery === 0 && !epochEnd)
          await this.emitEval(liveRows, epoch + 1, true);
      }
      epochsRun = epoch + 1;
      const valid = await this.emitEval(ds.splits.valid, epoch + 1, false);
      const score = valid.meanCellAuc ?? -Infinity;
      const improved = best === null || score > best.auc;
      opts.onEvent({ type: 'epoch', epoch: epoch + 1, validMeanAuc: valid.meanTaskAuc, best: improved });
      if (improved) {
        if (best) tf.dispose([...best.weights.values()]);
        best = { auc: score, epoch: epoch + 1, step: this.step, weights: this.snapshot() };
        sinceBest = 0;
      } else if (cfg.patience > 0 && ++sinceBest >= cfg.patience) {
        reason = 'early-stopped';
        break;
      }
    }

    const weightsFrom = await this.chooseWeights(reason, best, epoch + 1);
    if (best) tf.dispose([...best.weights.values()]);
    const test = await evaluate(this.model, ds, ds.splits.test, cfg.batchSize, this.rng, 'test');
    if (this.model.inspect) test.inspect = await this.model.inspect();
    const done: DoneEvent = {
      type: 'done',
      reason,
      steps: this.step,
      epochs: epochsRun,
      bestEpoch: best?.epoch ?? 0,
      weightsFrom,
      flags: this.monitor.flags,
      ...(failure === undefined ? {} : { failure }),
      test,
    };
    opts.onEvent(done);
    return done;
  }

  private async emitEval(rows: Int32Array, epoch: number, partial: boolean): Promise<EvalReport> {
    const report = await evaluate(this.model, this.ds, rows, this.cfg.batchSize, this.rng, 'valid', partial);
    if (this.model.inspect) report.inspect = await this.model.inspect();
    this.opts.onEvent({ type: 'eval', step: this.step, epoch, report });
    this.monitor?.onEval(this.step, epoch, report, this.cfg.learningRate);
    return report;
  }

  /**
   * Puts the weights the test pass scores in place and says which they are. A completed, early-stopped or
   * diverged run restores its best epoch. A run stopped or capped mid-epoch has last weights no full validation
   * pass has scored: they are scored now and kept only if they beat the best epoch.
   */
  private async chooseWeights(
    reason: DoneEvent['reason'],
    best: Snapshot | null,
    epoch: number,
  ): Promise<WeightsSource> {
    const midEpoch = reason === 'stopped' || reason === 'max-steps';
    if (midEpoch && best?.step !== this.step) {
      const last = await this.emitEval(this.ds.splits.valid, epoch, false);
      if (!best || (last.meanCellAuc ?? -Infinity) > best.auc) return { kind: 'last', step: this.step };
    }
    if (!best) return { kind: 'last', step: this.step };
    this.restore(best.weights);
    return { kind: 'best', epoch: best.epoch, step: best.step };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.archOptimizer?.dispose();
  }
}
