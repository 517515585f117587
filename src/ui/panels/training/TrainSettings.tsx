import { DEFAULT_TRAIN } from '../../../engine/train/config';
import type { BackendChoice } from '../../../workers/protocol';
import { DraftInput, formatAny, parseNumber } from '../../common/DraftInput';
import { FieldProblem } from '../../common/FieldProblem';
import { fmtInt } from '../../common/format';
import { ResetButton } from '../../common/ResetButton';
import { Step } from '../../common/Step';
import { TRAIN_FIELDS, trainProblems } from '../../state/formProblems';
import { useStore } from '../../state/store';

const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'auto (fastest available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU (slow)' },
];

const show = (v: unknown): string => (typeof v === 'number' ? fmtInt(v) : String(v));

/** Step 4: the `train` block of the experiment, and where the run executes. */
export function TrainSettings() {
  const train = useStore((s) => s.experiment.train);
  const setTrain = useStore((s) => s.setTrain);
  const backend = useStore((s) => s.backend);
  const setBackend = useStore((s) => s.setBackend);
  const problems = trainProblems(train);
  const count = Object.keys(problems).length;
  const atDefaults = TRAIN_FIELDS.every((f) => train[f.key] === DEFAULT_TRAIN[f.key]);
  const summary = `${show(train.epochs)} epoch${train.epochs === 1 ? '' : 's'} · batch ${show(train.batchSize)} · lr ${String(train.learningRate)} · seed ${String(train.seed)} · ${backend}`;

  return (
    <Step id="training" index={4} title="Training" summary={summary} problems={count}>
      <div className="form-grid">
        {TRAIN_FIELDS.map((f) => {
          const problem = problems[f.key] ?? null;
          const problemId = `train-${f.key}-problem`;
          return (
            <div className="field" key={f.key} title={f.help}>
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
          );
        })}
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
        onReset={() => TRAIN_FIELDS.forEach((f) => setTrain(f.key, DEFAULT_TRAIN[f.key]))}
      />
    </Step>
  );
}
