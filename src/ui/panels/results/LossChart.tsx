import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  AUTO_DOMAIN,
  AXIS,
  CHART_MARGIN,
  CHART_REFRESH_MS,
  STEP_DOMAIN,
  tick2,
  tickAny,
  tooltipStep,
  tooltipValue,
} from '../../charts/chartAxis';
import { seriesColor, TOTAL_COLOR } from '../../charts/palette';
import { lossTermNames } from '../../charts/readouts';
import type { LossPoint } from '../../state/runState';
import { seriesPoints } from '../../state/series';
import type { AppState } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { ChartLegend } from '../../charts/ChartLegend';
import { Panel } from '../../common/Panel';

const selectLoss = (s: AppState) => s.run?.loss;

interface LossLine {
  name: string;
  axis: 'loss' | 'aux';
  color: string;
  dataKey: (p: LossPoint) => number | undefined;
}

/** The lines to draw, rebuilt only when the names of the loss terms change (stable props for recharts). */
function lossLines(namesKey: string): LossLine[] {
  const { tasks, aux } = JSON.parse(namesKey) as ReturnType<typeof lossTermNames>;
  return [
    { name: 'total', axis: 'loss', color: TOTAL_COLOR, dataKey: (p) => p.total },
    ...tasks.map((t, i): LossLine => ({
      name: t,
      axis: 'loss',
      color: seriesColor(i),
      dataKey: (p) => p.task[t],
    })),
    ...aux.map((a, i): LossLine => ({
      name: `${a} (aux, right axis)`,
      axis: 'aux',
      color: seriesColor(tasks.length + i),
      dataKey: (p) => p.aux[a],
    })),
  ];
}

/** Training loss per step: total, each task's BCE, and the auxiliary terms (own axis: their scale differs). */
export function LossChart() {
  const series = useThrottledStore(selectLoss, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  const last = points[points.length - 1];
  // Every term seen in the run gets a line, named as the model names it (an aux term may skip some steps).
  const namesKey = useMemo(() => JSON.stringify(lossTermNames(points)), [points]);
  const lines = useMemo(() => lossLines(namesKey), [namesKey]);
  const legend = useMemo(
    () => lines.map((l) => ({ label: l.name, color: l.color, dashed: l.axis === 'aux' })),
    [lines],
  );
  const hasAux = lines.some((l) => l.axis === 'aux');

  return (
    <Panel
      title="Training loss"
      aside={last ? `step ${last.step}: ${last.total.toFixed(4)}` : undefined}
      testId="loss-chart"
    >
      {points.length === 0 ? (
        <p className="muted chart-empty">The loss appears with the first steps.</p>
      ) : (
        <>
          <ChartLegend items={legend} />
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={points} margin={CHART_MARGIN}>
              <CartesianGrid stroke="#eee" />
              <XAxis dataKey="step" type="number" domain={STEP_DOMAIN} {...AXIS} />
              <YAxis yAxisId="loss" {...AXIS} width={48} domain={AUTO_DOMAIN} tickFormatter={tick2} />
              {hasAux && (
                <YAxis yAxisId="aux" orientation="right" {...AXIS} width={48} tickFormatter={tickAny} />
              )}
              <Tooltip formatter={tooltipValue} labelFormatter={tooltipStep} />
              {lines.map((l) => (
                <Line
                  key={l.name}
                  yAxisId={l.axis}
                  dataKey={l.dataKey}
                  name={l.name}
                  stroke={l.color}
                  strokeWidth={l.name === 'total' ? 1.5 : 1}
                  strokeDasharray={l.axis === 'aux' ? '4 3' : undefined}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </>
      )}
    </Panel>
  );
}
