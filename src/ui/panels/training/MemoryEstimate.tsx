import { useMemo } from 'react';
import { formatBytes } from '../../../engine/data/sizeLimit';
import { memoryView } from '../../state/memoryEstimate';
import { useStore } from '../../state/store';

/** One line under the training settings: what a run of this experiment needs, and whether the backend holds it. */
export function MemoryEstimate() {
  const experiment = useStore((s) => s.experiment);
  const runs = useStore((s) => s.runs);
  const backend = useStore((s) => s.backend);
  const view = useMemo(() => memoryView(experiment, runs, backend), [experiment, runs, backend]);
  if (view === null) return null;
  if (!view.known)
    return (
      <p className="muted" data-testid="memory-estimate">
        Memory: estimated once a run has loaded this data.
      </p>
    );
  const { estimate, capacity, problem } = view;
  if (problem)
    return (
      <p className="inline-error" data-testid="memory-estimate" data-fits="false">
        Memory: {problem}.
      </p>
    );
  return (
    <p className="muted" data-testid="memory-estimate" data-fits="true">
      Memory: about {formatBytes(estimate.totalBytes)} for {estimate.params.toLocaleString('en-US')}{' '}
      parameters, of the {formatBytes(capacity.totalBytes)} {capacity.backend} can hold.
    </p>
  );
}
