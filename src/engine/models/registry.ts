/** Model id → factory. Metadata (options, defaults, presets, papers) lives in catalog.ts, free of tfjs. */
import { buildAesm2, type Aesm2Options } from './aesm2';
import { MODEL_CATALOG, modelInfo, resolveOptions, type ModelInfo, type ModelOptions } from './catalog';
import { buildCesaa, type CesaaOptions } from './cesaa';
import { buildM3oe, type M3oeOptions } from './m3oe';
import { buildMmoe, type MmoeOptions } from './mmoe';
import { buildMome, type MomeOptions } from './mome';
import { buildPle, type PleOptions } from './ple';
import { buildSharedBottom, type SharedBottomOptions } from './sharedBottom';
import { buildStar, type StarOptions } from './star';
import type { BuildContext, Model } from './types';

type Factory = (options: ModelOptions, ctx: BuildContext) => Model;

// Options arrive validated against the catalog spec (resolveOptions), so the casts below are checked there.
const FACTORIES: Record<string, Factory> = {
  aesm2: (o, ctx) => buildAesm2(o as unknown as Aesm2Options, ctx),
  cesaa: (o, ctx) => buildCesaa(o as unknown as CesaaOptions, ctx),
  'shared-bottom': (o, ctx) => buildSharedBottom(o as unknown as SharedBottomOptions, ctx),
  mmoe: (o, ctx) => buildMmoe(o as unknown as MmoeOptions, ctx),
  m3oe: (o, ctx) => buildM3oe(o as unknown as M3oeOptions, ctx),
  mome: (o, ctx) => buildMome(o as unknown as MomeOptions, ctx),
  ple: (o, ctx) => buildPle(o as unknown as PleOptions, ctx),
  star: (o, ctx) => buildStar(o as unknown as StarOptions, ctx),
};

export function registeredModels(): ModelInfo[] {
  return MODEL_CATALOG.filter((m) => m.id in FACTORIES);
}

/** Validates the options (unknown keys and bad values are errors that name them) and builds the model. */
export function buildModel(
  id: string,
  options: Record<string, unknown>,
  ctx: BuildContext,
): { model: Model; options: ModelOptions; info: ModelInfo } {
  const info = modelInfo(id);
  const factory = FACTORIES[id];
  if (!factory) throw new Error(`model "${id}" has no implementation yet`);
  const resolved = resolveOptions(id, options);
  return { model: factory(resolved, ctx), options: resolved, info };
}
