/** Model id → factory. Metadata (options, defaults, presets, papers) lives in catalog.ts, free of tfjs. */
import { MODEL_CATALOG, modelInfo, resolveOptions, type ModelInfo, type ModelOptions } from './catalog';
import { buildMmoe, type MmoeOptions } from './mmoe';
import { buildSharedBottom, type SharedBottomOptions } from './sharedBottom';
import type { BuildContext, Model } from './types';

type Factory = (options: ModelOptions, ctx: BuildContext) => Model;

// Options arrive validated against the catalog spec (resolveOptions), so the casts below are checked there.
const FACTORIES: Record<string, Factory> = {
  'shared-bottom': (o, ctx) => buildSharedBottom(o as unknown as SharedBottomOptions, ctx),
  mmoe: (o, ctx) => buildMmoe(o as unknown as MmoeOptions, ctx),
};

export function registeredModels(): ModelInfo[] {
  return MODEL_CATALOG.filter((m) => m.id in FACTORIES);
}

/** Validates the options (unknown keys and bad values are errors that name them) and builds the model. */
export function buildModel(id: string, options: Record<string, unknown>, ctx: BuildContext): { model: Model; options: ModelOptions; info: ModelInfo } {
  const info = modelInfo(id);
  const factory = FACTORIES[id];
  if (!factory) throw new Error(`model "${id}" has no implementation yet`);
  const resolved = resolveOptions(id, options);
  return { model: factory(resolved, ctx), options: resolved, info };
}
