/**
 * What the UI and the bench know about each model without loading tfjs: its options (type, default,
 * range, help), a one-line description, its paper and its presets. `registry.ts` adds the factories.
 */

export type OptionSpec =
  | { key: string; label: string; kind: 'int'; min: number; max: number; default: number; help: string }
  | { key: string; label: string; kind: 'number'; min: number; max: number; default: number; help: string }
  | {
      key: string;
      label: string;
      kind: 'choice';
      choices: { value: string; label: string }[];
      default: string;
      help: string;
    }
  | { key: string; label: string; kind: 'bool'; default: boolean; help: string }
  | {
      key: string;
      label: string;
      kind: 'intList';
      min: number;
      max: number;
      minLength: number;
      default: number[];
      help: string;
    };

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

/** A place where our implementation deliberately differs from the official code, and how to get the published behaviour. */
export interface Deviation {
  text: string;
  /** The option (and value) that restores the published behaviour, where we offer one. */
  restore?: { option: string; value: OptionValue };
}

export interface ModelInfo {
  id: string;
  name: string;
  description: string;
  paper: Paper;
  /** Short plain-text equations, one per line, shown in the info panel. */
  equations: string[];
  deviations: Deviation[];
  options: OptionSpec[];
  presets: Preset[];
  /** Parameters and activations of the model built with these (resolved) options for these dimensions. */
  size(options: ModelOptions, dims: SizeDims): ModelSize;
}

import type { ModelSize, SizeDims } from './info/size';
import { AESM2_INFO } from './info/aesm2';
import { CESAA_INFO } from './info/cesaa';
import { M3OE_INFO } from './info/m3oe';
import { MMOE_INFO } from './info/mmoe';
import { MOME_INFO } from './info/mome';
import { PLE_INFO } from './info/ple';
import { SHARED_BOTTOM_INFO } from './info/sharedBottom';
import { STAR_INFO } from './info/star';

export const MODEL_CATALOG: ModelInfo[] = [
  SHARED_BOTTOM_INFO,
  MMOE_INFO,
  PLE_INFO,
  AESM2_INFO,
  CESAA_INFO,
  STAR_INFO,
  M3OE_INFO,
  MOME_INFO,
];

export function modelInfo(id: string): ModelInfo {
  const info = MODEL_CATALOG.find((m) => m.id === id);
  if (!info) throw new Error(`unknown model "${id}" (known: ${MODEL_CATALOG.map((m) => m.id).join(', ')})`);
  return info;
}

export function defaultOptions(info: ModelInfo): ModelOptions {
  return Object.fromEntries(
    info.options.map((o) => [o.key, Array.isArray(o.default) ? o.default.slice() : o.default]),
  );
}

const fmtNumber = (n: number): string => n.toLocaleString('en-US');

/** What is wrong with one option's value, in words ("must be a whole number from 1 to 64"), or null when it is fine. */
export function optionProblem(spec: OptionSpec, v: unknown): string | null {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const range = `from ${fmtNumber(spec.min)} to ${fmtNumber(spec.max)}`;
      const ok =
        typeof v === 'number' && Number.isFinite(v) && (spec.kind === 'number' || Number.isInteger(v));
      if (!ok || v < spec.min || v > spec.max)
        return `must be ${spec.kind === 'int' ? 'a whole number' : 'a number'} ${range}`;
      return null;
    }
    case 'choice':
      return spec.choices.some((c) => c.value === v)
        ? null
        : `must be one of ${spec.choices.map((c) => c.value).join(', ')}`;
    case 'bool':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'intList': {
      const list = `a list of whole numbers from ${fmtNumber(spec.min)} to ${fmtNumber(spec.max)}, such as 64, 32`;
      if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x) || x < spec.min || x > spec.max))
        return `must be ${list}`;
      if (v.length < spec.minLength)
        return `needs at least ${spec.minLength} entr${spec.minLength === 1 ? 'y' : 'ies'}`;
      return null;
    }
  }
}

/** One message per problem, each naming the option. */
export function optionErrors(info: ModelInfo, options: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(options)) {
    if (!info.options.some((o) => o.key === key)) {
      errors.push(
        `${info.name}: unknown option "${key}" (options: ${info.options.map((o) => o.key).join(', ')})`,
      );
    }
  }
  for (const spec of info.options) {
    const v = options[spec.key];
    if (v === undefined) continue;
    const problem = optionProblem(spec, v);
    if (problem !== null) errors.push(`${info.name} option "${spec.key}" ${problem}`);
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
