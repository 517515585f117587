/**
 * What the PyTorch twins (python/moe_playground) read from the engine instead of copying it: every model's
 * options with their defaults and ranges, and the default training settings. `npm run python:catalog` writes it
 * to python/moe_playground/catalog.json; a test fails when that file no longer matches the engine.
 */
import { MODEL_CATALOG } from './models/catalog';
import { DEFAULT_TRAIN } from './train/config';

export const PYTHON_CATALOG_FILE = 'python/moe_playground/catalog.json';

export function pythonCatalog(): Record<string, unknown> {
  return {
    comment: `Generated from src/engine by npm run python:catalog; do not edit.`,
    train: DEFAULT_TRAIN,
    models: Object.fromEntries(
      MODEL_CATALOG.map((m) => [
        m.id,
        {
          name: m.name,
          options: m.options.map(({ label: _label, help: _help, ...spec }) => spec),
        },
      ]),
    ),
  };
}
