import { EMBEDDING_INITS, type TrainConfig } from '../../engine/train/config';
import type { BackendChoice } from '../../workers/protocol';
import { useStore } from '../store';
import { DraftInput, formatAny, parseNumber } from './DraftInput';
import { MemoryEstimate } from './MemoryEstimate';
import { Panel } from './Panel';

const FIELDS: { key: keyof TrainConfig; label: string; help: string }[] = [
  { key: 'epochs', label: 'Epochs', help: 'Passes over the train split.' },
  {
    key: 'batchSize',
    label: 'Batch size',
    help: 'Rows per step; keep it fixed across runs to compare speed.',
  },
  { key: 'learningRate', label: 'Learning rate', help: 'Adam step size.' },
  { key: 'embeddingDim', label: 'Embedding dim', help: 'Width of each categorical field embedding.' },
  {
    key: 'embeddingInitScale',
    label: 'Embedding init scale',
    help: 'Std (normal) or bound (uniform) of the initial embedding values: 1e-4 in the official M3oE code and most CTR libraries, 0.05 in Keras, 1 in PyTorch nn.Embedding.',
  },
  { key: 'seed', label: 'Seed', help: 'Seeds initialisation, shuffling and noise: same seed, same run.' },
  {
    key: 'patience',
    label: 'Patience',
    help: 'Epochs without a better mean valid AUC before stopping; 0 = never.',
  },
  {
    key: 'evalEvery',
    label: 'Eval every',
    help: 'Steps between live validation passes; 0 = at epoch ends only.',
  },
  {
    key: 'liveEvalRows',
    label: 'Live eval rows',
    help: 'Valid rows scored by each live pass (epoch ends use all).',
  },
  { key: 'maxSteps', label: 'Max steps', help: 'Stop after this many steps; 0 = no cap.' },
];

const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'auto (fastest available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU (slow)' },
];

/** The `train` block of the experiment, and where the run executes. */
export function TrainSettings() {
  const train = useStore((s) => s.experiment.train);
  const setTrain = useStore((s) => s.setTrain);
  const backend = useStore((s) => s.backend);
  const setBackend = useStore((s) => s.setBackend);

  return (
    <Panel title="Training">
      <div className="form-grid">
        {FIELDS.map((f) => (
          <div className="field" key={f.key} title={f.help}>
            <label htmlFor={`train-${f.key}`}>{f.label}</label>
            <DraftInput<unknown>
              id={`train-${f.key}`}
              testId={`train-${f.key}`}
              value={train[f.key]}
              invalid={typeof train[f.key] !== 'number'}
              inputMode="decimal"
              format={formatAny}
              parse={parseNumber}
              onChange={(v) => setTrain(f.key, v)}
            />
          </div>
        ))}
        <div
          className="field"
          title="Distribution of the initial embedding values (its scale is the field above)."
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
        <div
          className="field"
          title="Embed the domain id as one more input field of the model, as the official M3oE code and the multi-scenario benchmarks do."
        >
          <label htmlFor="train-domainInput">
            <input
              id="train-domainInput"
              data-testid="train-domainInput"
              type="checkbox"
              checked={train.domainInput === true}
              onChange={(e) => setTrain('domainInput', e.target.checked)}
            />{' '}
            Domain id as input
          </label>
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
      <MemoryEstimate />
    </Panel>
  );
}
