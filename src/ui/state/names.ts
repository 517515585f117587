/** Names for codes: a domain value shows under the name the mapping gives it (census: 0 → Female). */
import type { DataMapping } from '../../engine/data/types';
import type { RunState } from './runState';

export function domainName(mapping: Pick<DataMapping, 'domainNames'>, value: string): string {
  return mapping.domainNames?.[value] ?? value;
}

/** The run's domains (in its encoding's order) as shown. */
export function domainLabels(run: Pick<RunState, 'data' | 'experiment'>): string[] {
  return (run.data?.domains ?? []).map((d) => domainName(run.experiment.data, d));
}
