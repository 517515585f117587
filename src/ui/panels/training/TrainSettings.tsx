import { Fragment } from 'react';
import { DEFAULT_TRAIN, EMBEDDING_INITS, type TrainConfig } from '../../../engine/train/config';
import type { BackendChoice } from '../../../workers/protocol';
import { DraftInput, formatAny, parseNumber } from '../../common/DraftInput';
import { FieldProblem } from '../../common/FieldProblem';
import { fmtInt } from '../../common/format';
import { ResetButton } from '../../common/ResetButton';
import { Step } from '../../common/Step';
import { TRAIN_FIELDS, trainProblems } from '../../state/formProblems';
import { useStore } from '../../state/store';
import { MemoryEstimate } from './MemoryEstimate';

const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'auto (fastest available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU (slow)' },
];

const show = (v: unknown): string => (typeof v === 'number' ? fmtInt(v) : String(v));

/** Every training setting the form holds, the numeric fields and the choices alike: what Reset puts back. */
const TRAIN_KEYS = Object.keys(DEFAULT_TRAIN) as (keyof TrainConfig)[];

/** Step 4: the `train` block of the experiment, and where the run executes. */
export function TrainSettings() {
  const train = useStore((s) => s.experiment.train);
  const setTrain = useStore((s) => s.setTrain);
  const backend = useStore((s) => s.backend);
  const setBackend = useStore((s) => s.setBackend);
  const problems = trainProblems(train);
  const count = Object.keys(problems).length;
  const atDefaults = TRAIN_KEYS.every((k) => train[k] === DEFAULT_TRAIN[k]);
  const summary = `${show(train.epochs)} epoch${train.epochs === 1 ? '' : 's'} · batch ${show(train.batchSize)} · lr ${String(train.learningRate)} · seed ${String(train.seed)} · ${backend}`;

  return (
    <Step id="training" index={4} title="Training" summary={summary} problems={count}>
      <div className="form-grid">
        {TRAIN_FIELDS.map((f) => {
          const problem = problems[f.key] ?? null;
          const problemId = `train-${f.key}-problem`;
          return (
            <Fragment key={f.key}>
              {/* The distribution goes just before its scale. */}
              {f.key === 'embeddingInitScale' && (
                <div
                  className="field"
                  title="Distribution of the initial embedding values (its scale is the next field)."
                >
                  <label htmlFor="train-embeddingInit">Embedding init</label>
                  <select
                    id="train-embeddingInit"
                    data-testid="train-embeddingInit"
                    value={String(train.embeddingInit)}
                    onChange={(e) => setTrain('embeddingInit', e.target.value)}
                  >
                    {EMBEDDING_INITS.map((d) => (
                      <option key={d} value={d}>
                        {d === 'normal' ? 'normal N(0, scale²)' : 'uniform U(−scale, scale)'}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              <div className="field" title={f.help}>
                <label htmlFor={`train-${f.key}`}>{f.label}</label>
                <DraftInput<unknown>
                  id={`train-${f.key}`}
                  testId={`train-${f.key}`}
                  value={train[f.key]}
                  problemId={problem === null ? undefined : problemId}
                  inputMode="decimal"
                  format={formatAny}
                  parse={parseNumber}
                  onChange={(v) => setTrain(f.key, v)}
                />
                <FieldProblem id={problemId} problem={problem} />
              </div>
            </Fragment>
          );
        })}
        <div
          className="field"
          title="Embed the domain id as one more input field of the model, as the official M3oE code and the multi-scenario benchmarks do."
        >
          <label htmlFor="train-domainInput">Domain id as input</label>
          <input
            id="train-domainInput"
            data-testid="train-domainInput"
            type="checkbox"
            checked={train.domainInput === true}
            onChange={(e) => setTrain('domainInput', e.target.checked)}
          />
        </div>
        <div
          className="field"
          title="Where tensors run. auto tries WebGPU, WebGL, WASM, CPU in turn and reports why it skipped any."
        >
          <label htmlFor="backend-select">Backend</label>
          <select
            id="backend-select"
            data-testid="backend-select"
            value={backend}
            onChange={(e) => setBackend(e.target.value as BackendChoice)}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ResetButton
        label="Reset training to defaults"
        title="Every training setting above back to its default (the backend stays)"
        testId="reset-train"
        atDefaults={atDefaults}
        onReset={() => TRAIN_KEYS.forEach((k) => setTrain(k, DEFAULT_TRAIN[k]))}
      />
      <MemoryEstimate />
    </Step>
  );
}
