import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON_CATALOG_FILE, pythonCatalog } from './pythonCatalog';

describe('the catalog the PyTorch twins read', () => {
  it('matches the engine (after a change to a model option or a training default: npm run python:catalog)', () => {
    const file = path.resolve(import.meta.dirname, '../..', PYTHON_CATALOG_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(pythonCatalog());
  });
});
