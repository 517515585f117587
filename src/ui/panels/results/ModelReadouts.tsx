import { useCallback, useMemo } from 'react';
import { CHART_REFRESH_MS } from '../../charts/refresh';
import { LineChartBox, type ChartLine } from '../../charts/LineChartBox';
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
import { linearAxis } from '../../charts/ticks';
import { xScale } from '../../charts/xAxis';
import { domainLabels } from '../../state/names';
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
const namesOf = (s: AppState) => ({
  domains: s.run ? domainLabels(s.run) : [],
  tasks: s.run?.data?.tasks ?? [],
});

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
      exportName="model-readouts"
    >
      <ReadoutChart />
      <ReadoutArrays />
    </Panel>
  );
}

function ReadoutChart() {
  const series = useThrottledStore(selectReadouts, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  const stepsPerEpoch = useStore((s) => s.run?.started?.stepsPerEpoch ?? null);
  const unit = useStore((s) => s.chartPrefs.x);
  // Names and axes as one string: the line definitions change only when a name appears or moves axis.
  const layoutKey = useMemo(() => {
    const names = readoutNames(points);
    const right = rightAxisLines(points, names);
    return JSON.stringify(names.map((n) => [n, right.has(n)]));
  }, [points]);
  const lines = useMemo(
    () =>
      (JSON.parse(layoutKey) as [string, boolean][]).map(([name, right], i): ChartLine<ReadoutPoint> => ({
        key: name,
        name,
        axis: right ? 'right' : 'left',
        color: seriesColor(i),
        dashed: name.startsWith(MI_PREFIX),
        value: (p) => {
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
  const lastStep = points[points.length - 1]?.step ?? 1;
  const x = useMemo(() => xScale(unit, lastStep, stepsPerEpoch), [unit, lastStep, stepsPerEpoch]);
  const xValue = useMemo(() => (p: ReadoutPoint) => x.of(p.step), [x]);
  if (lines.length === 0) return null;
  const axisOf = (side: 'left' | 'right') => {
    const vs = lines
      .filter((l) => l.axis === side)
      .flatMap((l) => points.map(l.value))
      .filter((v): v is number => v !== null && v !== undefined);
    return vs.length === 0 ? null : linearAxis(Math.min(...vs), Math.max(...vs), 5);
  };
  const left = axisOf('left');
  const right = axisOf('right');
  return (
    <div className="readout-chart" data-testid="readout-chart">
      <ChartLegend items={legend} />
      <LineChartBox
        data={points}
        lines={lines}
        x={{ scale: x, value: xValue }}
        y={{ axis: left ?? linearAxis(0, 1), title: 'readout value' }}
        right={right ? { axis: right, title: 'right-axis readouts' } : undefined}
        height={200}
      />
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
  const labelsKey = useStore((s) => JSON.stringify(namesOf(s)));
  if (!values) return null;
  const labels = inspectionVectorLabels(
    name,
    values.length,
    JSON.parse(labelsKey) as ReturnType<typeof namesOf>,
  );
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
