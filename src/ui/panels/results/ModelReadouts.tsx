import { useCallback, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  AUTO_DOMAIN,
  AXIS,
  CHART_MARGIN,
  CHART_REFRESH_MS,
  STEP_DOMAIN,
  tickAny,
  tooltipStep,
  tooltipValue,
} from '../../charts/chartAxis';
import { seriesColor } from '../../charts/palette';
import {
  fmtCompact,
  hasReadouts,
  inspectionArrays,
  inspectionHeatmapSpec,
  inspectionVectorLabels,
  MI_PREFIX,
  readoutNames,
  rightAxisLines,
  type ReadoutPoint,
} from '../../charts/readouts';
import { seriesPoints } from '../../state/series';
import { useStore, type AppState } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { ChartLegend } from '../../charts/ChartLegend';
import { HeatmapCanvas } from '../../charts/HeatmapCanvas';
import { Panel } from '../../common/Panel';

const selectReadouts = (s: AppState) => s.run?.readouts;
const selectInspect = (s: AppState) => s.run?.lastEval?.report.inspect;
const selectHasReadouts = (s: AppState) =>
  (s.run?.readouts.seen ?? 0) > 0 || hasReadouts(s.run?.lastEval?.report);
const selectArrayKeys = (s: AppState): string => {
  const { vectors, matrices } = inspectionArrays(selectInspect(s));
  return JSON.stringify([vectors.map(([k]) => k), matrices.map(([k]) => k)]);
};
const namesOf = (s: AppState) => ({ domains: s.run?.data?.domains ?? [], tasks: s.run?.data?.tasks ?? [] });

/**
 * What the model reports about itself, for any model: its scalar readouts (and each sparse gate's MI) as lines
 * over the evaluations, and its latest vectors and matrices as bar rows and heatmaps. Hidden for a run without any.
 */
export function ModelReadouts() {
  const shown = useStore(selectHasReadouts);
  if (!shown) return null;
  return (
    <Panel
      title="Model readouts"
      aside="model-specific values at each evaluation"
      testId="model-readouts"
      className="readouts-panel"
    >
      <ReadoutChart />
      <ReadoutArrays />
    </Panel>
  );
}

function ReadoutChart() {
  const series = useThrottledStore(selectReadouts, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  // Names and axes as one string: the line definitions change only when a name appears or moves axis.
  const layoutKey = useMemo(() => {
    const names = readoutNames(points);
    const right = rightAxisLines(points, names);
    return JSON.stringify(names.map((n) => [n, right.has(n)]));
  }, [points]);
  const lines = useMemo(
    () =>
      (JSON.parse(layoutKey) as [string, boolean][]).map(([name, right], i) => ({
        name,
        axis: right ? 'right' : 'left',
        color: seriesColor(i),
        dashed: name.startsWith(MI_PREFIX),
        dataKey: (p: ReadoutPoint) => {
          const v = p.values[name];
          return v !== undefined && Number.isFinite(v) ? v : null;
        },
      })),
    [layoutKey],
  );
  const legend = useMemo(
    () =>
      lines.map((l) => ({
        label: l.axis === 'right' ? `${l.name} (right axis)` : l.name,
        color: l.color,
        dashed: l.dashed,
      })),
    [lines],
  );
  if (lines.length === 0) return null;
  const hasRight = lines.some((l) => l.axis === 'right');
  const dot = points.length <= 30 ? { r: 2.5 } : false;
  return (
    <div className="readout-chart" data-testid="readout-chart">
      <ChartLegend items={legend} />
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={points} margin={CHART_MARGIN}>
          <CartesianGrid stroke="#eee" />
          <XAxis dataKey="step" type="number" domain={STEP_DOMAIN} {...AXIS} />
          <YAxis yAxisId="left" {...AXIS} width={52} domain={AUTO_DOMAIN} tickFormatter={tickAny} />
          {hasRight && (
            <YAxis
              yAxisId="right"
              orientation="right"
              {...AXIS}
              width={52}
              domain={AUTO_DOMAIN}
              tickFormatter={tickAny}
            />
          )}
          <Tooltip formatter={tooltipValue} labelFormatter={tooltipStep} />
          {lines.map((l) => (
            <Line
              key={l.name}
              yAxisId={l.axis}
              dataKey={l.dataKey}
              name={l.name}
              stroke={l.color}
              strokeWidth={1.5}
              strokeDasharray={l.dashed ? '4 3' : undefined}
              dot={dot}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The latest vectors and matrices; re-renders only when their keys change (canvases repaint by themselves). */
function ReadoutArrays() {
  const keys = useStore(selectArrayKeys);
  const [vectorKeys, matrixKeys] = JSON.parse(keys) as [string[], string[]];
  if (vectorKeys.length + matrixKeys.length === 0) return null;
  return (
    <div className="readout-arrays">
      {vectorKeys.map((k) => (
        <ReadoutBars key={k} name={k} />
      ))}
      {matrixKeys.map((k) => (
        <ReadoutHeatmap key={k} name={k} />
      ))}
    </div>
  );
}

function ReadoutBars({ name }: { name: string }) {
  const values = useStore((s) => {
    const v = selectInspect(s)?.[name];
    return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
  });
  const data = useStore((s) => s.run?.data);
  if (!values) return null;
  const labels = inspectionVectorLabels(name, values.length, {
    domains: data?.domains ?? [],
    tasks: data?.tasks ?? [],
  });
  const max = Math.max(1e-12, ...values.filter(Number.isFinite).map(Math.abs));
  return (
    <figure className="heatmap readout-bars" data-testid={`readout-bars-${name}`}>
      <figcaption>{name}</figcaption>
      <div className="bars">
        {values.map((v, i) => (
          <div
            key={i}
            className="bar-cell"
            title={`${labels.long[i]}: ${Number.isFinite(v) ? v.toPrecision(4) : v}`}
          >
            <span className="bar-value">{fmtCompact(v)}</span>
            <div className="bar-track">
              <div
                className={v < 0 ? 'bar negative' : 'bar'}
                style={{ height: `${Number.isFinite(v) ? (100 * Math.abs(v)) / max : 0}%` }}
              />
            </div>
            <span className="bar-label">{labels.short[i]}</span>
          </div>
        ))}
      </div>
    </figure>
  );
}

function ReadoutHeatmap({ name }: { name: string }) {
  const spec = useCallback(
    (s: AppState) => {
      const v = selectInspect(s)?.[name];
      return Array.isArray(v) && v.every(Array.isArray)
        ? inspectionHeatmapSpec(name, v as number[][], namesOf(s))
        : null;
    },
    [name],
  );
  return (
    <figure className="heatmap">
      <figcaption>{name}</figcaption>
      <HeatmapCanvas spec={spec} testId={`readout-heatmap-${name}`} />
    </figure>
  );
}
