import { useMemo } from 'react';
import { LineChartBox, type ChartLine } from '../../charts/LineChartBox';
import type { Axis } from '../../charts/ticks';
import type { XScale } from '../../charts/xAxis';
import { fmtAuc, fmtGap } from '../../common/format';
import type { AucPoint } from '../../state/runState';

/**
 * Validation AUC of one (domain, task) cell over training, its oracle ceiling drawn once as a dashed line,
 * and the latest value, the ceiling and the gap between them said in its title (not in the plot, where a label
 * would cover the curve of a small chart). `value` reads the cell from a
 * point; the y-axis is shared by every cell of the run so that their heights compare.
 */
export function AucChart(props: {
  title: string;
  color: string;
  points: AucPoint[];
  value: (p: AucPoint) => number | null;
  oracle: number | null;
  x: XScale;
  y: Axis;
  height: number;
  titles: { x: boolean; y: boolean };
  testId: string;
}) {
  const { title, color, points, value, oracle, x, y, height, titles, testId } = props;
  const lines = useMemo(
    (): ChartLine<AucPoint>[] => [{ key: 'auc', name: 'valid AUC', color, value, width: 1.8 }],
    [color, value],
  );
  const xValue = useMemo(() => (p: AucPoint) => x.of(p.step), [x]);
  const ceilings = useMemo(() => (oracle === null ? [] : [{ y: oracle, color: '#8a8f98' }]), [oracle]);
  const last =
    [...points]
      .reverse()
      .map(value)
      .find((v) => v !== null) ?? null;
  const gap = last !== null && oracle !== null ? last - oracle : null;
  return (
    <figure className="auc-chart" data-testid={testId}>
      <figcaption className="chart-title">
        <span className="cell-name">{title}</span>
        <span className="cell-figures">
          <b data-testid={`${testId}-last`}>{fmtAuc(last)}</b>
          {oracle !== null && (
            <span
              className="gap"
              data-testid={`${testId}-gap`}
              title="the oracle AUC (dashed), and the latest valid AUC minus it"
            >
              {' '}
              oracle {oracle.toFixed(3)}
              {gap !== null && ` · gap ${fmtGap(gap)}`}
            </span>
          )}
        </span>
      </figcaption>
      <LineChartBox
        data={points}
        lines={lines}
        x={{ scale: x, value: xValue }}
        y={{ axis: y, title: 'valid AUC' }}
        ceilings={ceilings}
        height={height}
        titles={titles}
      />
    </figure>
  );
}
