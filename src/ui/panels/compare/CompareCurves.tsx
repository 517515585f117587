import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  AUTO_DOMAIN,
  AXIS,
  CHART_MARGIN,
  STEP_DOMAIN,
  tick3,
  tooltipStep,
  tooltipValue,
} from '../../charts/chartAxis';
import { configKey } from './compareTable';
import { seriesColor } from '../../charts/palette';
import type { AucPoint, RunState } from '../../state/runState';
import { seriesPoints } from '../../state/series';
import { ChartLegend } from '../../charts/ChartLegend';

/** One chart per (domain, task) cell and per task; in each, a run's validation AUC over steps. */
interface CurveLine {
  runId: string;
  name: string;
  color: string;
  /** Seeds after a configuration's first are dashed: same colour, told apart. */
  dashed: boolean;
  points: AucPoint[];
  domains: string[];
  tasks: string[];
}

const SEED_DASH = '5 3';

/**
 * Validation AUC of every run over steps, overlaid: a chart per (domain, task) cell and per task, a colour per
 * configuration (its seeds dashed after the first). Running runs draw live.
 */
export function CompareCurves({ runs }: { runs: readonly RunState[] }) {
  const lines = useMemo(() => curveLines(runs), [runs]);
  const legend = useMemo(() => {
    const seen = new Map<string, string>();
    for (const l of lines) if (!seen.has(l.name)) seen.set(l.name, l.color);
    return [...seen].map(([label, color]) => ({ label, color }));
  }, [lines]);
  const first = lines[0];
  if (!first) return <p className="muted chart-empty">Curves appear with the runs' first evaluations.</p>;
  // Task by task, as the table: its cells, then the task over all domains.
  const charts = first.tasks.flatMap((task) => [
    ...first.domains.map((domain): { domain: string | null; task: string } => ({ domain, task })),
    { domain: null, task },
  ]);
  return (
    <>
      <ChartLegend items={legend} />
      <div className="auc-grid compare-curves" data-testid="compare-curves">
        {charts.map((c) => (
          <CellChart key={`${c.domain}/${c.task}`} domain={c.domain} task={c.task} lines={lines} />
        ))}
      </div>
    </>
  );
}

function curveLines(runs: readonly RunState[]): CurveLine[] {
  const colorOf = new Map<string, number>();
  const seedsSeen = new Set<string>();
  return runs.flatMap((r): CurveLine[] => {
    if (!r.data || r.auc.seen === 0) return [];
    const key = configKey(r);
    if (!colorOf.has(key)) colorOf.set(key, colorOf.size);
    const dashed = seedsSeen.has(key);
    seedsSeen.add(key);
    return [
      {
        runId: r.id,
        name: r.name,
        color: seriesColor(colorOf.get(key) ?? 0),
        dashed,
        points: seriesPoints(r.auc),
        domains: r.data.domains,
        tasks: r.data.tasks,
      },
    ];
  });
}

function CellChart({ domain, task, lines }: { domain: string | null; task: string; lines: CurveLine[] }) {
  const series = useMemo(
    () =>
      lines.map((l) => {
        const ti = l.tasks.indexOf(task);
        const di = domain === null ? -1 : l.domains.indexOf(domain);
        const valueOf = (p: AucPoint) =>
          ti < 0 ? null : domain === null ? p.tasks[ti] : di < 0 ? null : p.cells[di]?.[ti];
        return { ...l, data: l.points.map((p) => ({ step: p.step, auc: valueOf(p) ?? null })) };
      }),
    [lines, domain, task],
  );
  return (
    <div className="auc-chart" data-testid="compare-chart" data-cell={`${domain ?? 'all'}/${task}`}>
      <div className="chart-title">
        {task} · {domain ?? 'all domains'}
      </div>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart margin={CHART_MARGIN}>
          <CartesianGrid stroke="#eee" />
          <XAxis
            dataKey="step"
            type="number"
            domain={STEP_DOMAIN}
            allowDuplicatedCategory={false}
            {...AXIS}
          />
          <YAxis {...AXIS} width={48} domain={AUTO_DOMAIN} tickFormatter={tick3} />
          <Tooltip formatter={tooltipValue} labelFormatter={tooltipStep} />
          {series.map((s) => (
            <Line
              key={s.runId}
              data={s.data}
              dataKey="auc"
              name={s.name}
              stroke={s.color}
              strokeDasharray={s.dashed ? SEED_DASH : undefined}
              strokeWidth={1.5}
              dot={s.data.length <= 30 ? { r: 2 } : false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
