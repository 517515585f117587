/** Imported weights into a built model: every name, shape and dtype checked, and the dataset's schema against the model's. */
import * as tf from '@tensorflow/tfjs';
import type { DatasetSchema } from '../data/types';
import type { Experiment } from '../experiment';
import { defaultOptions, MODEL_CATALOG } from '../models/catalog';
import type { MomeModel } from '../models/mome';
import type { Model } from '../models/types';
import { ImportError } from './errors';
import { meaningDifferences, shapeDifferences } from './schema';
import type { Weights } from './weights';

function modelLabel(id: string): string {
  const info = MODEL_CATALOG.find((m) => m.id === id);
  return info ? `${info.name} ("${id}")` : `"${id}"`;
}

/** Options (defaults filled in) whose values differ, as "key: zip → built". */
function optionDifferences(zip: Experiment['model'], built: Experiment['model']): string[] {
  const info = MODEL_CATALOG.find((m) => m.id === zip.id);
  const defaults = info ? defaultOptions(info) : {};
  const a: Record<string, unknown> = { ...defaults, ...zip.options };
  const b: Record<string, unknown> = { ...defaults, ...built.options };
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} in the zip, ${JSON.stringify(b[k])} built`);
}

function someNames(names: string[]): string {
  return (
    names
      .slice(0, 4)
      .map((n) => `"${n}"`)
      .join(', ') + (names.length > 4 ? `, … (${names.length} in all)` : '')
  );
}

/** A trained MoME holds the variables its phase switch creates; a freshly built one creates them when switched. */
function matchStructure(model: Model, weights: Weights): void {
  const mome = model as Partial<MomeModel>;
  const names = new Set(model.params.entries().map(([n]) => n));
  if (mome.phase === 0 && mome.switchPhase && [...weights.keys()].some((n) => !names.has(n)))
    mome.switchPhase();
}

/**
 * Assigns imported weights to a model built for `schema` (the dataset it will run on); `importedSchema` is the
 * one it was trained on. Nothing is assigned unless everything fits. `models`, the zip's and the built model's
 * configurations where the caller has both, makes the messages name the models and the options that differ.
 * A MoME switched to its second phase before export is switched here too, so its variables exist to receive.
 */
export function loadWeightsInto(
  model: Model,
  weights: Weights,
  schema: DatasetSchema,
  importedSchema: DatasetSchema,
  models?: { zip: Experiment['model']; built: Experiment['model'] },
): void {
  if (models && models.zip.id !== models.built.id) {
    throw new ImportError(
      `the zip holds a ${modelLabel(models.zip.id)} model but the model built is ${modelLabel(models.built.id)}: build the zip's model to load its weights`,
    );
  }
  const shapes = shapeDifferences(importedSchema, schema);
  if (shapes.length > 0)
    throw new ImportError(`this dataset does not fit the imported model: ${shapes.join('; ')}`);
  matchStructure(model, weights);

  const options = models ? optionDifferences(models.zip, models.built) : [];
  const hint = options.length > 0 ? ` (the model options differ: ${options.join('; ')})` : '';
  const vars = new Map(model.params.entries());
  const missing = [...vars.keys()].filter((n) => !weights.has(n));
  const extra = [...weights.keys()].filter((n) => !vars.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const which = models ? `both are ${modelLabel(models.zip.id)}, but ` : '';
    const parts = [
      missing.length > 0
        ? `the model built has ${missing.length} weight${missing.length > 1 ? 's' : ''} the zip lacks (${someNames(missing)})`
        : '',
      extra.length > 0
        ? `the zip has ${extra.length} weight${extra.length > 1 ? 's' : ''} the model built does not (${someNames(extra)})`
        : '',
    ].filter((p) => p !== '');
    throw new ImportError(`the zip's weights are not this model's: ${which}${parts.join(' and ')}${hint}`);
  }
  for (const [name, w] of weights) {
    const v = vars.get(name) as tf.Variable;
    if (v.dtype !== 'float32')
      throw new ImportError(`weight "${name}" of the model built is ${v.dtype}; the zip's is float32`);
    if (v.shape.length !== w.shape.length || v.shape.some((d, i) => d !== w.shape[i])) {
      const dim =
        name === 'embedding' && v.shape[0] === w.shape[0]
          ? ` (the embedding size, train.embeddingDim, is ${w.shape[1]} in the zip)`
          : '';
      throw new ImportError(
        `weight "${name}": the model built expects shape [${v.shape.join(', ')}], the zip has [${w.shape.join(', ')}]${dim}${hint}`,
      );
    }
  }
  const meaning = meaningDifferences(importedSchema, schema);
  if (meaning.length > 0) {
    throw new ImportError(
      `this dataset is encoded differently from the one the model was trained on, so its rows would be scored wrongly: ${meaning.join('; ')}`,
    );
  }
  tf.tidy(() => {
    for (const [name, w] of weights)
      (vars.get(name) as tf.Variable).assign(tf.tensor(w.data, w.shape, 'float32'));
  });
}
