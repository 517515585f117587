/** Everything that must hold before a run can start, as messages a person can act on. */
import { parseExperiment, type Experiment } from '../../engine/experiment';
import { MODEL_CATALOG, optionErrors } from '../../engine/models/catalog';
import { oracleFor, type DatasetManifestEntry, type OracleAuc } from '../../engine/synth/manifest';
import type { DataSource } from '../../workers/protocol';
import { datasetUrl } from './datasets';
import type { UploadSession } from './uploadSession';

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
    if (upload?.name === path && upload.phase === 'reading')
      return `${path} is still being read: Train is ready once it is`;
    if (!upload || !inspected || upload.name !== path)
      return `the data is the uploaded file ${path}, which this page does not hold: upload it (or open it from the kept files) in the Data step`;
    const { sha256 } = experiment.data;
    if (sha256 !== undefined && sha256 !== inspected.sha256)
      return `the uploaded ${upload.name} is another file than the experiment's (SHA-256 ${inspected.sha256.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…)`;
    return {
      source: { kind: 'blob', blob: upload.file, name: upload.name },
      sourceName: upload.name,
      oracle: null,
    };
  }
  return 'choose a dataset, or upload a file, in the Data step';
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
