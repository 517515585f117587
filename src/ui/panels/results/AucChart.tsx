import { useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { OracleSplit } from '../../../engine/synth/manifest';
import {
  AUTO_DOMAIN,
  AXIS,
  CHART_MARGIN,
  STEP_DOMAIN,
  tick3,
  tooltipStep,
  tooltipValue,
} from '../../charts/chartAxis';
import { seriesColor, TOTAL_COLOR } from '../../charts/palette';
import type { AucPoint } from '../../state/runState';

const DOT = { r: 2.5 };

/**
 * Validation AUC of one task over steps: a line per domain (the cell) and one over all domains, each with its
 * oracle AUC as a dashed line of the same colour: the gap is what a better model could still win.
 */
export function AucChart(props: {
  task: string;
  taskIndex: number;
  domains: string[];
  points: AucPoint[];
  oracle: OracleSplit | null;
}) {
  const { task, taskIndex, domains, points, oracle } = props;
  // Stable line definitions: recharts redoes its bookkeeping for a line whose props change identity.
  const lines = useMemo(
    () => [
      ...domains.map((d, di) => ({
        name: d,
        color: seriesColor(di),
        oracle: oracle?.byCell[d]?.[task] ?? null,
        dataKey: (p: AucPoint) => p.cells[di]?.[taskIndex] ?? null,
      })),
      {
        name: 'all domains',
        color: TOTAL_COLOR,
        oracle: oracle?.byTask[task] ?? null,
        dataKey: (p: AucPoint) => p.tasks[taskIndex] ?? null,
      },
    ],
    [domains, oracle, task, taskIndex],
  );
  // A few points are invisible as a line: show them as dots until the curve is dense.
  const dot = points.length <= 30 ? DOT : false;

  return (
    <div className="auc-chart" data-task={task}>
      <div className="chart-title">{task}</div>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={points} margin={CHART_MARGIN} syncId="auc">
          <CartesianGrid stroke="#eee" />
          <XAxis dataKey="step" type="number" domain={STEP_DOMAIN} {...AXIS} />
          <YAxis {...AXIS} width={48} domain={AUTO_DOMAIN} tickFormatter={tick3} />
          <Tooltip formatter={tooltipValue} labelFormatter={tooltipStep} />
          {lines.map((l) =>
            l.oracle === null ? null : (
              <ReferenceLine
                key={`oracle-${l.name}`}
                y={l.oracle}
                stroke={l.color}
                strokeDasharray="5 4"
                ifOverflow="extendDomain"
              />
            ),
          )}
          {lines.map((l) => (
            <Line
              key={l.name}
              dataKey={l.dataKey}
              name={l.name}
              stroke={l.color}
              strokeWidth={l.color === TOTAL_COLOR ? 2 : 1.5}
              dot={dot}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
