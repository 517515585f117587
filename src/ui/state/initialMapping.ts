/** The mapping an upload starts with once parsed. */
import type { DataMapping } from '../../engine/data/types';
import type { Inspection } from '../../workers/dataProtocol';

function namedColumns(m: DataMapping): string[] {
  return [
    m.domain,
    ...m.tasks.map((t) => t.column),
    ...(m.numeric ?? []),
    ...(m.categorical ?? []),
    ...(m.hashed ?? []).map((h) => h.column),
    ...(m.ignore ?? []),
    ...(m.split ? [m.split] : []),
  ];
}

/**
 * The current mapping when the file has every column it names (a new sample of the same data: keep the
 * person's work), else the engine's proposal. A recognised layout is offered, not forced: one click applies it.
 */
export function initialUploadMapping(inspection: Inspection, current: DataMapping): DataMapping {
  const { dataset: _dataset, path: _path, sha256: _sha, ...rest } = current;
  const file = { path: inspection.name, sha256: inspection.sha256 };
  const present = new Set(inspection.header);
  if (current.domain !== '' && current.tasks.length > 0 && namedColumns(current).every((c) => present.has(c)))
    return { ...rest, ...file };
  return { ...inspection.proposal.mapping, ...file };
}
