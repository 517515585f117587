import { useMemo } from 'react';
import { CHART_REFRESH_MS } from '../../charts/refresh';
import { ChartLegend } from '../../charts/ChartLegend';
import { seriesColor, TOTAL_COLOR } from '../../charts/palette';
import { aucAxis } from '../../charts/ticks';
import { xScale } from '../../charts/xAxis';
import { Panel } from '../../common/Panel';
import { domainLabels } from '../../state/names';
import type { AucPoint } from '../../state/runState';
import { seriesPoints } from '../../state/series';
import { useStore, type AppState } from '../../state/store';
import { useThrottledStore } from '../../state/useThrottledStore';
import { AucChart } from './AucChart';

const selectAuc = (s: AppState) => s.run?.auc;
const selectLabels = (s: AppState) => (s.run ? domainLabels(s.run).join('\n') : '');

interface Cell {
  key: string;
  title: string;
  color: string;
  value: (p: AucPoint) => number | null;
  oracle: number | null;
}

/** Chart heights by rows (the bottom row's holds the x title): a two-domain run fits the first screen at 1280×720. */
const heightFor = (rows: number, bottom: boolean): number => (rows <= 3 ? 104 : 96) + (bottom ? 16 : 0);

/**
 * Validation AUC per (domain, task) cell: a small chart each, tasks across and domains down with the task over
 * all domains last, on one shared y-axis, each with its oracle ceiling and the gap to it.
 */
export function AucCharts() {
  const series = useThrottledStore(selectAuc, CHART_REFRESH_MS);
  const points = useMemo(() => (series ? seriesPoints(series) : []), [series]);
  const domains = useStore((s) => s.run?.data?.domains);
  const labelsKey = useStore(selectLabels);
  const tasks = useStore((s) => s.run?.data?.tasks);
  const oracle = useStore((s) => s.run?.oracle?.valid ?? null);
  const stepsPerEpoch = useStore((s) => s.run?.started?.stepsPerEpoch ?? null);
  const unit = useStore((s) => s.chartPrefs.x);
  const lastStep = points[points.length - 1]?.step ?? 1;
  const x = useMemo(() => xScale(unit, lastStep, stepsPerEpoch), [unit, lastStep, stepsPerEpoch]);

  // Rows of cells: one per domain, then the tasks over all domains; stable while names and oracle stay.
  const grid = useMemo((): Cell[][] => {
    if (!domains || !tasks) return [];
    const labels = labelsKey.split('\n');
    const byDomain = domains.map((d, di) =>
      tasks.map((t, ti): Cell => ({
        key: `${di}-${ti}`,
        title: `${t} · ${labels[di] ?? d}`,
        color: seriesColor(di),
        value: (p) => p.cells[di]?.[ti] ?? null,
        oracle: oracle?.byCell[d]?.[t] ?? null,
      })),
    );
    const all = tasks.map((t, ti): Cell => ({
      key: `all-${ti}`,
      title: `${t} · all domains`,
      color: TOTAL_COLOR,
      value: (p) => p.tasks[ti] ?? null,
      oracle: oracle?.byTask[t] ?? null,
    }));
    return [...byDomain, all];
  }, [domains, tasks, labelsKey, oracle]);

  const y = useMemo(() => {
    const cells = grid.flat();
    const vs = cells.flatMap((c) => [...points.map(c.value), c.oracle]);
    return aucAxis(vs.filter((v): v is number => typeof v === 'number'));
  }, [grid, points]);

  const legend = useMemo(
    () => [
      { label: 'valid AUC (colour: domain)', color: seriesColor(0) },
      ...(oracle
        ? [{ label: 'oracle AUC (ceiling of the true probabilities)', color: '#8a8f98', dashed: true }]
        : []),
    ],
    [oracle],
  );

  return (
    <Panel
      title="Validation AUC per cell"
      aside={`${grid.length > 0 ? 'shared y-axis · ' : ''}${points.length} evaluation${points.length === 1 ? '' : 's'}`}
      testId="auc-chart"
      exportName="validation-auc"
    >
      {points.length === 0 || grid.length === 0 ? (
        <p className="muted chart-empty">
          AUC curves appear with the first evaluation (set “Eval every” for live curves).
        </p>
      ) : (
        <>
          <ChartLegend items={legend} />
          <div
            className="auc-grid"
            style={{ gridTemplateColumns: `repeat(${tasks?.length ?? 1}, minmax(0, 1fr))` }}
          >
            {grid.flatMap((row, ri) =>
              row.map((c, ci) => (
                <AucChart
                  key={c.key}
                  title={c.title}
                  color={c.color}
                  points={points}
                  value={c.value}
                  oracle={c.oracle}
                  x={x}
                  y={y}
                  height={heightFor(grid.length, ri === grid.length - 1)}
                  titles={{ x: ri === grid.length - 1, y: ci === 0 }}
                  testId={`auc-cell-${c.key}`}
                />
              )),
            )}
          </div>
        </>
      )}
    </Panel>
  );
}
