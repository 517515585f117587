import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CHART_REFRESH_MS } from '../../charts/refresh';
import { Panel } from '../../common/Panel';
import type { AppState } from '../../state/store';
import { useStore } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { CompareCurves } from './CompareCurves';
import { CompareGates } from './CompareGates';
import { CompareTable } from './CompareTable';
import { compareTable } from './compareTable';

const selectRuns = (s: AppState) => s.runs;

/**
 * The compare view: the test metrics of the finished runs (a column per configuration), whether they all saw
 * the same split, their validation AUC curves overlaid per cell (live), and their gates side by side.
 */
export function ComparePanel() {
  // Finished runs keep their identity once done: the table recomputes only when one finishes or is removed.
  const finished = useStore(useShallow((s) => s.runs.filter((r) => r.status === 'done')));
  const live = useThrottledStore(selectRuns, CHART_REFRESH_MS);
  const table = useMemo(() => compareTable(finished), [finished]);
  const [fingerprint, ...others] = table.fingerprints;

  return (
    <div className="compare-view" data-testid="compare-panel">
      <Panel
        title="Comparison"
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
            <CompareTable table={table} domainNames={finished[0]?.experiment.data.domainNames} />
          </>
        )}
      </Panel>
      <Panel title="Validation AUC, runs overlaid" exportName="compare-auc" testId="compare-curves-panel">
        <CompareCurves runs={live} />
      </Panel>
      <Panel title="Gate weights side by side" aside="test split, finished runs" exportName="compare-gates">
        <details className="compare-more">
          <summary>Show each finished run&apos;s gates (test split)</summary>
          <CompareGates runs={finished} />
        </details>
      </Panel>
    </div>
  );
}
