/** The bundled datasets' manifest (`datasets/index.json`, written by the synth generator) and what the UI derives from it. */
import type { DataMapping } from '../../engine/data/types';
import type { DatasetManifestEntry } from '../../engine/synth/manifest';

/** Resolved against the page, not the origin, so the site works from a subpath. */
export function datasetUrl(file: string): string {
  return new URL(`datasets/${file}`, document.baseURI).href;
}

export async function loadManifest(): Promise<DatasetManifestEntry[]> {
  const url = datasetUrl('index.json');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the dataset list ${url}: HTTP ${res.status}`);
  const json: unknown = await res.json();
  if (!Array.isArray(json)) throw new Error(`${url} must hold a JSON array of datasets`);
  return json as DatasetManifestEntry[];
}

/** The mapping an experiment starts from when a dataset is picked: the manifest's, naming the dataset. */
export function mappingOf(entry: DatasetManifestEntry): DataMapping {
  return { ...structuredClone(entry.mapping), dataset: entry.id };
}
