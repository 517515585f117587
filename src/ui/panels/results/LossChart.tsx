import { useMemo } from 'react';
import { modelInfo } from '../../../engine/models/catalog';
import { ChartLegend } from '../../charts/ChartLegend';
import { CHART_REFRESH_MS } from '../../charts/refresh';
import { LineChartBox, type ChartLine } from '../../charts/LineChartBox';
import { seriesColor, TOTAL_COLOR } from '../../charts/palette';
import { lossTermNames } from '../../charts/readouts';
import { emaSmooth, linearAxis, logAxis } from '../../charts/ticks';
import { xScale } from '../../charts/xAxis';
import { Panel } from '../../common/Panel';
import type { LossPoint } from '../../state/runState';
import { seriesPoints } from '../../state/series';
import { useStore, type AppState } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';

const selectLoss = (s: AppState) => s.run?.loss;

/** One loss curve's values per point: as recorded, and as drawn (smoothed when asked). */
interface Row {
  step: number;
  raw: Record<string, number | null>;
  shown: Record<string, number | null>;
}

interface Term {
  key: string;
  name: string;
  axis: 'left' | 'right';
  color: string;
  value: (p: LossPoint) => number | undefined;
}

/** The terms to draw, rebuilt only when their names change (stable props for recharts). */
function lossTerms(namesKey: string): Term[] {
  const { tasks, aux } = JSON.parse(namesKey) as ReturnType<typeof lossTermNames>;
  return [
    { key: 'total', name: 'total', axis: 'left', color: TOTAL_COLOR, value: (p) => p.total },
    ...tasks.map((t, i): Term => ({
      key: `task:${t}`,
      name: t,
      axis: 'left',
      color: seriesColor(i),
      value: (p) => p.task[t],
    })),
    ...aux.map((a, i): Term => ({
      key: `aux:${a}`,
      name: a,
      axis: 'right',
      color: seriesColor(tasks.length + i),
      value: (p) => p.aux[a],
    })),
  ];
}

/** The model's objective as its catalog writes it, or the default sum of the tasks' BCE. */
export function lossEquation(modelId: string): string {
  const line = modelInfo(modelId).equations.find((e) => /^loss\s*=/.test(e));
  return line ?? 'loss = Σ_t BCE_t   (each task’s mean binary cross-entropy, summed)';
}

const values = (rows: Row[], terms: Term[]) =>
  rows.flatMap((r) =>
    terms.flatMap((t) => [r.raw[t.key], r.shown[t.key]].filter((v): v is number => typeof v === 'number')),
  );

/**
 * Training loss per step: the total (the loss minimised, with its equation), each task's BCE, and the
 * auxiliary terms on their own axis. Smoothing (EMA, the raw curve kept faint underneath) and a log scale
 * for the loss axis are options; x in steps or epochs.
 */
export function LossChart() {
  const series = useThrottledStore(selectLoss, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  const stepsPerEpoch = useStore((s) => s.run?.started?.stepsPerEpoch ?? null);
  const modelId = useStore((s) => s.run?.experiment.model.id ?? null);
  const { x: unit, smoothing, logLoss } = useStore((s) => s.chartPrefs);
  const last = points[points.length - 1];
  // Every term seen in the run gets a line, named as the model names it (an aux term may skip some steps).
  const namesKey = useMemo(() => JSON.stringify(lossTermNames(points)), [points]);
  const terms = useMemo(() => lossTerms(namesKey), [namesKey]);
  const rows = useMemo((): Row[] => {
    const raw = terms.map((t) => points.map((p) => t.value(p) ?? null));
    const shown = raw.map((vs) => emaSmooth(vs, smoothing));
    return points.map((p, i) => ({
      step: p.step,
      raw: Object.fromEntries(terms.map((t, k) => [t.key, raw[k][i]])),
      shown: Object.fromEntries(terms.map((t, k) => [t.key, shown[k][i]])),
    }));
  }, [points, terms, smoothing]);
  const lastStep = last?.step ?? 1;
  const x = useMemo(() => xScale(unit, lastStep, stepsPerEpoch), [unit, lastStep, stepsPerEpoch]);
  const xValue = useMemo(() => (r: Row) => x.of(r.step), [x]);
  const lines = useMemo(
    () =>
      terms.flatMap((t): ChartLine<Row>[] => {
        const shown: ChartLine<Row> = {
          key: t.key,
          name: t.name,
          color: t.color,
          axis: t.axis,
          dashed: t.axis === 'right',
          width: t.key === 'total' ? 2 : 1.2,
          value: (r) => r.shown[t.key],
        };
        if (smoothing <= 0) return [shown];
        return [
          {
            ...shown,
            key: `${t.key}:raw`,
            name: `${t.name} (raw)`,
            faint: true,
            noTooltip: true,
            value: (r) => r.raw[t.key],
          },
          shown,
        ];
      }),
    [terms, smoothing],
  );
  const left = terms.filter((t) => t.axis === 'left');
  const right = terms.filter((t) => t.axis === 'right');
  const leftValues = values(rows, left);
  const lo = Math.min(...leftValues);
  const hi = Math.max(...leftValues);
  const yAxis = logLoss && lo > 0 ? logAxis(lo, hi, 5) : linearAxis(lo, hi, 5);
  const rightValues = values(rows, right);
  const legend = useMemo(
    () =>
      terms.map((t) => ({
        label:
          t.axis === 'right'
            ? `${t.name} (aux, right axis)`
            : t.key === 'total'
              ? 'total (minimised)'
              : t.name,
        color: t.color,
        dashed: t.axis === 'right',
      })),
    [terms],
  );

  return (
    <Panel
      title="Training loss"
      aside={last ? `step ${last.step}: ${last.total.toFixed(4)}` : undefined}
      testId="loss-chart"
      exportName="training-loss"
    >
      {points.length === 0 ? (
        <p className="muted chart-empty">The loss appears with the first steps.</p>
      ) : (
        <>
          <ChartLegend items={legend} />
          <LineChartBox
            data={rows}
            lines={lines}
            x={{ scale: x, value: xValue }}
            y={{
              axis: yAxis,
              title: `BCE loss, nats${logLoss && lo > 0 ? ' (log)' : ''}`,
              log: logLoss && lo > 0,
            }}
            right={
              right.length > 0
                ? {
                    axis: linearAxis(Math.min(...rightValues), Math.max(...rightValues), 5),
                    title: 'aux terms',
                  }
                : undefined
            }
            height={190}
          />
          <p className="chart-note" data-testid="loss-equation">
            total = {modelId ? lossEquation(modelId).replace(/^loss\s*=\s*/, '') : '–'}
            {right.length > 0 && '; the dashed auxiliary terms are part of it'}
            {smoothing > 0 && ` · smoothed (EMA ${smoothing}), raw curves faint`}
          </p>
        </>
      )}
    </Panel>
  );
}
