/** Files the page hands to the person: a run's export .zip, the experiment's JSON, a chart. */
import type { RunState } from '../state/runState';

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  // The click has started the download by the time the current task ends.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file-name part: letters, digits, dot, dash and underscore; anything else becomes a dash. */
const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';

/** `<dataset>-<model>-<configuration>-seed<seed>.zip`: the file says what it holds. */
export function runZipName(run: Pick<RunState, 'name' | 'experiment' | 'datasetName'>): string {
  const { data, model, train } = run.experiment;
  const dataset = data.dataset ?? data.path?.replace(/\.(csv|txt)(\.gz)?$/i, '') ?? run.datasetName;
  const config = run.name === model.id ? '' : `-${slug(run.name)}`;
  return `${slug(dataset)}-${slug(model.id)}${config}-seed${train.seed}.zip`;
}

export function downloadRunZip(run: RunState): void {
  if (run.exportZip)
    downloadBlob(new Blob([run.exportZip as BlobPart], { type: 'application/zip' }), runZipName(run));
}

export function downloadText(text: string, fileName: string, type = 'application/json'): void {
  downloadBlob(new Blob([text], { type }), fileName);
}
