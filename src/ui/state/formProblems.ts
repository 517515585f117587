/**
 * The forms' checks, field by field and all at once, in the words of the form (its labels), with the limits a
 * browser tab can run. The engine's parser names JSON paths and stops at the first problem; the page checks
 * its fields here first, so every invalid field is marked together and Train lists them all.
 */
import { optionProblem, type ModelInfo } from '../../engine/models/catalog';
import { EMBEDDING_INITS, type TrainConfig } from '../../engine/train/config';
import { fmtInt } from '../common/format';

export interface TrainField {
  key: keyof TrainConfig;
  label: string;
  help: string;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  /** `min` itself is refused (a learning rate of 0 learns nothing). */
  minExclusive?: boolean;
  /** Why the maximum is where it is, said with the problem. */
  why?: string;
}

const SEED_MAX = 2 ** 31 - 1;

/** The numeric training settings the form shows, with their limits in this browser. */
export const TRAIN_FIELDS: readonly TrainField[] = [
  { key: 'epochs', label: 'Epochs', help: 'Passes over the train split.', min: 1, max: 1000, integer: true },
  {
    key: 'batchSize',
    label: 'Batch size',
    help: 'Rows per step; keep it fixed across runs to compare speed.',
    min: 1,
    max: 65_536,
    integer: true,
    why: "a larger batch's activations do not fit a browser's GPU memory",
  },
  {
    key: 'learningRate',
    label: 'Learning rate',
    help: 'Adam step size.',
    min: 0,
    max: 1,
    integer: false,
    minExclusive: true,
  },
  {
    key: 'embeddingDim',
    label: 'Embedding dim',
    help: 'Width of each categorical field embedding.',
    min: 1,
    max: 256,
    integer: true,
    why: 'every categorical value gets a row this wide: wider tables outgrow the memory of a tab',
  },
  {
    key: 'embeddingInitScale',
    label: 'Embedding init scale',
    help: 'Std (normal) or bound (uniform) of the initial embedding values: 1e-4 in the official M3oE code and most CTR libraries, 0.05 in Keras and TF.js (the default here, uniform), 1 in PyTorch nn.Embedding.',
    min: 0,
    max: 10,
    integer: false,
    minExclusive: true,
    why: "ten times PyTorch's default of 1: initial embeddings this large swamp every other input",
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Seeds initialisation, shuffling and noise: same seed, same run.',
    min: 0,
    max: SEED_MAX,
    integer: true,
  },
  {
    key: 'patience',
    label: 'Patience',
    help: 'Epochs without a better mean valid AUC before stopping; 0 = never.',
    min: 0,
    max: 1000,
    integer: true,
  },
  {
    key: 'evalEvery',
    label: 'Eval every',
    help: 'Steps between live validation passes; 0 = at epoch ends only.',
    min: 0,
    max: 1_000_000,
    integer: true,
  },
  {
    key: 'liveEvalRows',
    label: 'Live eval rows',
    help: 'Valid rows scored by each live pass (epoch ends use all).',
    min: 1,
    max: 1_000_000,
    integer: true,
  },
  {
    key: 'maxSteps',
    label: 'Max steps',
    help: 'Stop after this many steps; 0 = no cap.',
    min: 0,
    max: 10_000_000,
    integer: true,
  },
];

/** What is wrong with one training setting, as a sentence starting with its label; null when it is fine. */
export function trainFieldProblem(field: TrainField, v: unknown): string | null {
  const kind = field.integer ? 'a whole number' : 'a number';
  const range = field.minExclusive
    ? `above ${fmtInt(field.min)} and at most ${fmtInt(field.max)}`
    : `from ${fmtInt(field.min)} to ${fmtInt(field.max)}`;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!field.integer || Number.isInteger(v)) &&
    (field.minExclusive ? v > field.min : v >= field.min) &&
    v <= field.max;
  if (ok) return null;
  const tooLarge = typeof v === 'number' && v > field.max && field.why !== undefined;
  return `${field.label} must be ${kind} ${range}${tooLarge ? ` (${field.why})` : ''}`;
}

/** Every invalid training setting of a draft (values as typed; a key left out is not checked), by key. */
export function trainProblems(train: Record<string, unknown>): Partial<Record<keyof TrainConfig, string>> {
  const out: Partial<Record<keyof TrainConfig, string>> = {};
  for (const f of TRAIN_FIELDS) {
    if (!(f.key in train)) continue;
    const problem = trainFieldProblem(f, train[f.key]);
    if (problem !== null) out[f.key] = problem;
  }
  // The form offers only valid values here; a draft that came from elsewhere is still checked.
  if ('embeddingInit' in train && !EMBEDDING_INITS.some((d) => d === train.embeddingInit))
    out.embeddingInit = `Embedding init must be one of ${EMBEDDING_INITS.join(', ')}`;
  if ('domainInput' in train && typeof train.domainInput !== 'boolean')
    out.domainInput = 'Domain id as input must be on or off';
  return out;
}

/** Every invalid option of a model's form, by key, as sentences starting with the option's label. */
export function optionProblems(info: ModelInfo, options: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of info.options) {
    const problem = optionProblem(spec, options[spec.key] ?? spec.default);
    if (problem !== null) out[spec.key] = `${spec.label} ${problem}`;
  }
  return out;
}

/** The seeds field: empty (the train seed alone) or distinct whole numbers in the seed's range. */
export function seedsProblem(seeds: unknown): string | null {
  const seed = TRAIN_FIELDS.find((f) => f.key === 'seed');
  if (!Array.isArray(seeds))
    return 'Seeds must be whole numbers separated by commas, such as 1, 2, 3 (or empty for the train seed)';
  const bad = seeds.filter((s) => seed && trainFieldProblem(seed, s) !== null);
  if (bad.length > 0)
    return `Seeds must be whole numbers from 0 to ${fmtInt(SEED_MAX)} (not ${bad.map(String).join(', ')})`;
  const twice = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  return twice.length > 0 ? `Seeds lists ${[...new Set(twice)].join(', ')} more than once` : null;
}
