import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CHART_REFRESH_MS } from '../../charts/chartAxis';
import { compareTable } from './compareTable';
import type { AppState } from '../../state/store';
import { useStore } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { CompareCurves } from './CompareCurves';
import { CompareGates } from './CompareGates';
import { CompareTable } from './CompareTable';
import { Panel } from '../../common/Panel';

const selectRuns = (s: AppState) => s.runs;

/**
 * The runs side by side, once there are two: the test metrics table (finished runs, a row per configuration),
 * whether they all saw the same split, validation AUC curves overlaid per cell (live), and their gates.
 */
export function ComparePanel() {
  // Finished runs keep their identity once done: the table recomputes only when one finishes or is removed.
  const finished = useStore(useShallow((s) => s.runs.filter((r) => r.status === 'done')));
  const count = useStore((s) => s.runs.length);
  const live = useThrottledStore(selectRuns, CHART_REFRESH_MS);
  const table = useMemo(() => compareTable(finished), [finished]);
  if (count < 2) return null;
  const [fingerprint, ...others] = table.fingerprints;

  return (
    <Panel
      title="Comparison"
      testId="compare-panel"
      className="compare-panel"
      aside="test split · mean ± std over seeds · ★ best · ≈ within seed noise of the best"
    >
      {fingerprint === undefined ? (
        <p className="muted">The table fills in as runs finish.</p>
      ) : (
        <>
          <p
            className={others.length === 0 ? 'split-check same' : 'split-check differ'}
            data-testid="split-check"
            data-same={others.length === 0}
          >
            {others.length === 0
              ? `All ${finished.length} finished runs saw the same split and encoding (fingerprint ${fingerprint}).`
              : `The finished runs saw ${table.fingerprints.length} different splits or encodings (${table.fingerprints.join(', ')}): their metrics are not comparable cell by cell.`}
          </p>
          <CompareTable table={table} />
        </>
      )}
      <h3 className="compare-heading">Validation AUC</h3>
      <CompareCurves runs={live} />
      <details className="compare-more">
        <summary>Gate weights, side by side (test split)</summary>
        <CompareGates runs={finished} />
      </details>
    </Panel>
  );
}
