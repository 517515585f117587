import { useMemo } from 'react';
import { ChartLegend } from '../../charts/ChartLegend';
import { LineChartBox, type ChartLine } from '../../charts/LineChartBox';
import { seriesColor } from '../../charts/palette';
import { aucAxis, linearAxis } from '../../charts/ticks';
import { fmtAuc } from '../../common/format';
import { domainName } from '../../state/names';
import type { RunState } from '../../state/runState';
import { seriesPoints } from '../../state/series';
import { useStore } from '../../state/store';
import { configKey } from './compareTable';

/** A point of one run's curve in one chart: x in the chosen unit, the cell's AUC. */
interface CurvePoint {
  x: number;
  step: number;
  auc: number | null;
}

interface Curve {
  runId: string;
  name: string;
  color: string;
  /** Seeds after a configuration's first are dashed: same colour, told apart. */
  dashed: boolean;
  run: RunState;
}

interface CellSpec {
  domain: string | null;
  task: string;
  title: string;
  oracle: number | null;
}

const xOfPoint = (p: CurvePoint) => p.x;

function curvesOf(runs: readonly RunState[]): Curve[] {
  const colorOf = new Map<string, number>();
  const seedsSeen = new Set<string>();
  return runs.flatMap((r): Curve[] => {
    if (!r.data || r.auc.seen === 0) return [];
    const key = configKey(r);
    if (!colorOf.has(key)) colorOf.set(key, colorOf.size);
    const dashed = seedsSeen.has(key);
    seedsSeen.add(key);
    return [
      {
        runId: r.id,
        name: `${r.name} · seed ${r.experiment.train.seed}`,
        color: seriesColor(colorOf.get(key) ?? 0),
        dashed,
        run: r,
      },
    ];
  });
}

/** One run's curve in one cell: its points with x in steps, or in epochs when every run knows its epoch length. */
function cellPoints(run: RunState, cell: CellSpec, epochs: boolean): CurvePoint[] {
  const data = run.data;
  if (!data) return [];
  const ti = data.tasks.indexOf(cell.task);
  const di = cell.domain === null ? -1 : data.domains.indexOf(cell.domain);
  const perEpoch = run.started?.stepsPerEpoch ?? 0;
  return seriesPoints(run.auc).map((p) => ({
    step: p.step,
    x: epochs ? p.step / perEpoch : p.step,
    auc:
      ti < 0
        ? null
        : cell.domain === null
          ? (p.tasks[ti] ?? null)
          : di < 0
            ? null
            : (p.cells[di]?.[ti] ?? null),
  }));
}

/**
 * Validation AUC of every run over training, overlaid: a chart per (domain, task) cell and per task, a colour
 * per configuration (its seeds dashed after the first), all on one y-axis spanning at least 0.05 so that seed
 * noise does not look like a swing, each with its oracle ceiling where the data has one. Running runs draw live.
 */
export function CompareCurves({ runs }: { runs: readonly RunState[] }) {
  const unit = useStore((s) => s.chartPrefs.x);
  const curves = useMemo(() => curvesOf(runs), [runs]);
  const first = curves[0]?.run;
  const epochs = unit === 'epoch' && curves.every((c) => (c.run.started?.stepsPerEpoch ?? 0) > 0);
  // Task by task, as the table: its cells, then the task over all domains.
  const cells = useMemo((): CellSpec[] => {
    if (!first?.data) return [];
    const { domains, tasks } = first.data;
    const oracle = first.oracle?.valid ?? null;
    return tasks.flatMap((task) => [
      ...domains.map((domain) => ({
        domain,
        task,
        title: `${task} · ${domainName(first.experiment.data, domain)}`,
        oracle: oracle?.byCell[domain]?.[task] ?? null,
      })),
      { domain: null, task, title: `${task} · all domains`, oracle: oracle?.byTask[task] ?? null },
    ]);
  }, [first]);
  const data = useMemo(
    () => cells.map((c) => curves.map((cv) => cellPoints(cv.run, c, epochs))),
    [cells, curves, epochs],
  );
  const y = useMemo(() => {
    const values = data.flat(2).flatMap((p) => (p.auc === null ? [] : [p.auc]));
    return aucAxis([...values, ...cells.flatMap((c) => (c.oracle === null ? [] : [c.oracle]))]);
  }, [data, cells]);
  const x = useMemo(() => {
    const last = Math.max(1, ...data.flat(2).map((p) => p.x));
    const axis = linearAxis(0, last, 6, !epochs);
    const unitName = epochs ? 'epoch' : 'step';
    return {
      axis,
      title: epochs ? 'epoch' : 'training step',
      describe: (v: number) => `${unitName} ${axis.format(v)}`,
    };
  }, [data, epochs]);
  const legend = useMemo(() => {
    const seen = new Map<string, string>();
    for (const c of curves) if (!seen.has(c.run.name)) seen.set(c.run.name, c.color);
    return [...seen].map(([label, color]) => ({ label, color }));
  }, [curves]);
  if (!first) return <p className="muted chart-empty">Curves appear with the runs' first evaluations.</p>;
  return (
    <>
      <ChartLegend items={legend} />
      <p className="chart-note">
        One y-axis for every chart ({fmtAuc(y.domain[0])}–{fmtAuc(y.domain[1])}, at least 0.05 wide); dashed
        curves: a configuration&apos;s further seeds.
      </p>
      <div className="auc-grid compare-curves" data-testid="compare-curves">
        {cells.map((c, ci) => (
          <CellChart key={`${c.domain}/${c.task}`} cell={c} curves={curves} points={data[ci]} x={x} y={y} />
        ))}
      </div>
    </>
  );
}

function CellChart(props: {
  cell: CellSpec;
  curves: Curve[];
  points: CurvePoint[][];
  x: { axis: ReturnType<typeof linearAxis>; title: string; describe: (v: number) => string };
  y: ReturnType<typeof aucAxis>;
}) {
  const { cell, curves, points, x, y } = props;
  const lines = useMemo(
    () =>
      curves.map((c, i): ChartLine<CurvePoint> => ({
        key: c.runId,
        name: c.name,
        color: c.color,
        dashed: c.dashed,
        data: points[i],
        value: (p) => p.auc,
      })),
    [curves, points],
  );
  const ceilings = useMemo(
    () =>
      cell.oracle === null
        ? []
        : [{ y: cell.oracle, color: '#8a8f98', label: `oracle ${fmtAuc(cell.oracle)}` }],
    [cell.oracle],
  );
  return (
    <figure
      className="auc-chart"
      data-testid="compare-chart"
      data-cell={`${cell.domain ?? 'all'}/${cell.task}`}
    >
      <figcaption className="chart-title">{cell.title}</figcaption>
      <LineChartBox
        data={[]}
        lines={lines}
        x={{ scale: x, value: xOfPoint }}
        y={{ axis: y, title: 'valid AUC' }}
        ceilings={ceilings}
        height={170}
      />
    </figure>
  );
}
