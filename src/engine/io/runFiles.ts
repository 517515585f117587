/** The files of an exported run and the most an import of one may hold; free of tfjs, so the page reads it too. */
import { PLAN_LIMITS } from '../experiment';
import { WEIGHTS_FILE } from './weights';

export const RUN_FILES = {
  model: 'model.json',
  weights: WEIGHTS_FILE,
  config: 'config.json',
  schema: 'schema.json',
  metrics: 'metrics.json',
  metricsCsv: 'metrics.csv',
  environment: 'environment.json',
} as const;

/**
 * The most an import may hold, judged from the sizes the zip declares before anything is inflated (issue 12: a 1 MB
 * zip holding a 1,000 MiB weights.bin was inflated in full before it was refused). The weights bound is 2^28 float32
 * values (1 GiB), above any model the memory budget lets this page train; schema.json holds every vocabulary.
 */
export const IMPORT_LIMITS = {
  zipBytes: (1 << 30) + (1 << 28),
  weightsBytes: 1 << 30,
  jsonBytes: {
    [RUN_FILES.model]: 1 << 24,
    [RUN_FILES.config]: PLAN_LIMITS.jsonBytes,
    [RUN_FILES.schema]: 1 << 28,
    [RUN_FILES.metrics]: 1 << 24,
    [RUN_FILES.environment]: 1 << 20,
  } as Record<string, number>,
};
