import { useMemo } from 'react';
import { CHART_REFRESH_MS } from '../../charts/chartAxis';
import { seriesColor, TOTAL_COLOR } from '../../charts/palette';
import { seriesPoints } from '../../state/series';
import { useStore, type AppState } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { AucChart } from './AucChart';
import { ChartLegend } from '../../charts/ChartLegend';
import { Panel } from '../../common/Panel';

const selectAuc = (s: AppState) => s.run?.auc;

/** Validation AUC curves, one small chart per task sharing a legend of domains (dashed: oracle). */
export function AucCharts() {
  const series = useThrottledStore(selectAuc, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  const domains = useStore((s) => s.run?.data?.domains);
  const tasks = useStore((s) => s.run?.data?.tasks);
  const oracle = useStore((s) => s.run?.oracle?.valid ?? null);

  return (
    <Panel title="Validation AUC" aside={oracle ? 'dashed: oracle AUC' : undefined} testId="auc-chart">
      {points.length === 0 || !domains || !tasks ? (
        <p className="muted chart-empty">
          AUC curves appear with the first evaluation (set “Eval every” for live curves).
        </p>
      ) : (
        <>
          <ChartLegend
            items={[
              ...domains.map((d, i) => ({ label: d, color: seriesColor(i) })),
              { label: 'all domains', color: TOTAL_COLOR },
              ...(oracle ? [{ label: 'oracle', color: '#888', dashed: true }] : []),
            ]}
          />
          <div className="auc-grid">
            {tasks.map((t, ti) => (
              <AucChart key={t} task={t} taskIndex={ti} domains={domains} points={points} oracle={oracle} />
            ))}
          </div>
        </>
      )}
    </Panel>
  );
}
