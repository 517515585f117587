/** Everything that must hold before a run can start, as messages a person can act on. */
import { parseExperiment, type Experiment } from '../engine/experiment';
import { MODEL_CATALOG, optionErrors } from '../engine/models/catalog';
import { oracleFor, type DatasetManifestEntry, type OracleAuc } from '../engine/synth/manifest';
import type { DataSource } from '../workers/protocol';
import { datasetUrl } from './datasets';
import type { UploadSession } from './upload/session';

export type Checked =
  | { ok: true; experiment: Experiment; source: DataSource; sourceName: string; oracle: OracleAuc | null }
  | { ok: false; problems: string[] };

type Source = Omit<Extract<Checked, { ok: true }>, 'ok' | 'experiment'>;

/** The file a mapping reads: a bundled dataset by id, or the uploaded file by name. */
function sourceOf(
  experiment: Experiment,
  datasets: DatasetManifestEntry[],
  upload: UploadSession | null,
): Source | string {
  const { dataset, path } = experiment.data;
  if (dataset !== undefined) {
    const entry = datasets.find((d) => d.id === dataset);
    if (!entry) return `unknown dataset "${dataset}" (bundled: ${datasets.map((d) => d.id).join(', ')})`;
    return {
      source: { kind: 'url', url: datasetUrl(entry.file) },
      sourceName: entry.name,
      oracle: oracleFor(entry, experiment.data),
    };
  }
  if (path !== undefined) {
    const inspected = upload?.inspection;
    if (!upload || !inspected || upload.name !== path)
      return `data.path "${path}" is not an uploaded file${upload ? ` (uploaded: ${upload.name})` : ': upload it first'}`;
    const { sha256 } = experiment.data;
    if (sha256 !== undefined && sha256 !== inspected.sha256)
      return `data.sha256 names another file than the uploaded ${upload.name} (expected ${sha256.slice(0, 12)}…, uploaded ${inspected.sha256.slice(0, 12)}…)`;
    return {
      source: { kind: 'blob', blob: upload.file, name: upload.name },
      sourceName: upload.name,
      oracle: null,
    };
  }
  return 'data.dataset must name a bundled dataset (or data.path an uploaded file)';
}

/** `draft` is the store's experiment or parsed JSON: `parseExperiment` checks its shape either way. */
export function checkExperiment(
  draft: unknown,
  datasets: DatasetManifestEntry[],
  upload: UploadSession | null,
): Checked {
  let experiment: Experiment;
  try {
    experiment = parseExperiment(draft);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  const problems: string[] = [];
  const info = MODEL_CATALOG.find((m) => m.id === experiment.model.id);
  if (!info)
    problems.push(
      `unknown model "${experiment.model.id}" (known: ${MODEL_CATALOG.map((m) => m.id).join(', ')})`,
    );
  else problems.push(...optionErrors(info, experiment.model.options));
  const source = sourceOf(experiment, datasets, upload);
  if (typeof source === 'string') problems.push(source);
  return problems.length > 0 || typeof source === 'string'
    ? { ok: false, problems }
    : { ok: true, experiment, ...source };
}
