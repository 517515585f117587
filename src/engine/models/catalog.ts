/**
 * What the UI and the bench know about each model without loading tfjs: its options (type, default,
 * range, help), a one-line description, its paper and its presets. `registry.ts` adds the factories.
 */

export type OptionSpec =
  | { key: string; label: string; kind: 'int'; min: number; max: number; default: number; help: string }
  | { key: string; label: string; kind: 'number'; min: number; max: number; default: number; help: string }
  | { key: string; label: string; kind: 'choice'; choices: { value: string; label: string }[]; default: string; help: string }
  | { key: string; label: string; kind: 'bool'; default: boolean; help: string }
  | { key: string; label: string; kind: 'intList'; min: number; max: number; minLength: number; default: number[]; help: string };

export type OptionValue = number | string | boolean | number[];
export type ModelOptions = Record<string, OptionValue>;

export interface Paper {
  title: string;
  venue: string;
  url: string;
}

export interface Preset {
  /** Unique within the model, shown in the UI, accepted by the bench. */
  name: string;
  description: string;
  options: ModelOptions;
}

export interface ModelInfo {
  id: string;
  name: string;
  description: string;
  paper: Paper;
  options: OptionSpec[];
  presets: Preset[];
}

const towerLayers: OptionSpec = {
  key: 'towerLayers',
  label: 'Tower layers',
  kind: 'intList',
  min: 1,
  max: 1024,
  minLength: 0,
  default: [32],
  help: 'Hidden sizes of each task tower (ReLU), before its single output logit.',
};

export const MODEL_CATALOG: ModelInfo[] = [
  {
    id: 'shared-bottom',
    name: 'Shared-Bottom',
    description: 'One MLP shared by every task and domain, then one tower per task.',
    paper: {
      title: 'Multitask Learning (Caruana)',
      venue: 'Machine Learning 28, 1997',
      url: 'https://doi.org/10.1023/A:1007379606734',
    },
    options: [
      {
        key: 'bottomLayers',
        label: 'Bottom layers',
        kind: 'intList',
        min: 1,
        max: 2048,
        minLength: 1,
        default: [128, 64],
        help: 'Hidden sizes of the shared bottom MLP (ReLU).',
      },
      towerLayers,
    ],
    presets: [
      { name: 'census reference (128→64)', description: 'The census README reference row.', options: { bottomLayers: [128, 64], towerLayers: [32] } },
      { name: 'small (64→32)', description: 'A quick look on a small set.', options: { bottomLayers: [64, 32], towerLayers: [16] } },
    ],
  },
  {
    id: 'mmoe',
    name: 'MMoE',
    description: 'Experts shared by all tasks, mixed by a softmax gate per task, per domain or per (domain, task) cell.',
    paper: {
      title: 'Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts (Ma et al.)',
      venue: 'KDD 2018',
      url: 'https://doi.org/10.1145/3219819.3220007',
    },
    options: [
      { key: 'experts', label: 'Experts', kind: 'int', min: 1, max: 64, default: 8, help: 'Number of expert MLPs.' },
      {
        key: 'expertLayers',
        label: 'Expert layers',
        kind: 'intList',
        min: 1,
        max: 2048,
        minLength: 1,
        default: [64],
        help: 'Hidden sizes of each expert MLP (ReLU); the last is the expert output size.',
      },
      {
        key: 'gate',
        label: 'Gate per',
        kind: 'choice',
        choices: [
          { value: 'task', label: 'task (classic MMoE)' },
          { value: 'domain', label: 'domain (one gate per domain, shared by its tasks)' },
          { value: 'cell', label: 'domain × task cell' },
        ],
        default: 'task',
        help: 'Which gate a sample uses: one per task, one per domain, or one per (domain, task) cell.',
      },
      towerLayers,
    ],
    presets: [
      { name: 'census reference (8×64, gate per task)', description: 'The census README reference row.', options: { experts: 8, expertLayers: [64], gate: 'task', towerLayers: [32] } },
      { name: 'gate per cell (8×64)', description: 'One gate per (domain, task) cell.', options: { experts: 8, expertLayers: [64], gate: 'cell', towerLayers: [32] } },
      { name: 'gate per domain (8×64)', description: 'One gate per domain, shared by its tasks.', options: { experts: 8, expertLayers: [64], gate: 'domain', towerLayers: [32] } },
      { name: 'small (4×32)', description: 'A quick look on a small set.', options: { experts: 4, expertLayers: [32], gate: 'task', towerLayers: [16] } },
    ],
  },
];

export function modelInfo(id: string): ModelInfo {
  const info = MODEL_CATALOG.find((m) => m.id === id);
  if (!info) throw new Error(`unknown model "${id}" (known: ${MODEL_CATALOG.map((m) => m.id).join(', ')})`);
  return info;
}

export function defaultOptions(info: ModelInfo): ModelOptions {
  return Object.fromEntries(info.options.map((o) => [o.key, Array.isArray(o.default) ? o.default.slice() : o.default]));
}

/** One message per problem, each naming the option. */
export function optionErrors(info: ModelInfo, options: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(options)) {
    if (!info.options.some((o) => o.key === key)) {
      errors.push(`${info.name}: unknown option "${key}" (options: ${info.options.map((o) => o.key).join(', ')})`);
    }
  }
  for (const spec of info.options) {
    const v = options[spec.key];
    if (v === undefined) continue;
    const where = `${info.name} option "${spec.key}"`;
    switch (spec.kind) {
      case 'int':
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) {
          errors.push(`${where} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}`);
        } else if (v < spec.min || v > spec.max) errors.push(`${where} must be between ${spec.min} and ${spec.max}`);
        break;
      case 'choice':
        if (!spec.choices.some((c) => c.value === v)) errors.push(`${where} must be one of ${spec.choices.map((c) => c.value).join(', ')}`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') errors.push(`${where} must be true or false`);
        break;
      case 'intList':
        if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x) || x < spec.min || x > spec.max)) {
          errors.push(`${where} must be a list of integers between ${spec.min} and ${spec.max}`);
        } else if (v.length < spec.minLength) errors.push(`${where} needs at least ${spec.minLength} entr${spec.minLength === 1 ? 'y' : 'ies'}`);
        break;
    }
  }
  return errors;
}

/** Defaults filled in and every value checked; throws with all problems at once. */
export function resolveOptions(id: string, options: Record<string, unknown>): ModelOptions {
  const info = modelInfo(id);
  const errors = optionErrors(info, options);
  if (errors.length > 0) throw new Error(errors.join('; '));
  return { ...defaultOptions(info), ...(options as ModelOptions) };
}
