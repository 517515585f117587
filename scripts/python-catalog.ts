/** Writes python/moe_playground/catalog.json from the engine (see src/engine/pythonCatalog.ts), formatted as lint wants. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { PYTHON_CATALOG_FILE, pythonCatalog } from '../src/engine/pythonCatalog';

const file = path.resolve(import.meta.dirname, '..', PYTHON_CATALOG_FILE);
const options = { ...(await resolveConfig(file)), parser: 'json' };
writeFileSync(file, await format(JSON.stringify(pythonCatalog()), options));
console.log(`wrote ${file}`);
