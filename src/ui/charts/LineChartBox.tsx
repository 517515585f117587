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
import type { Axis } from './ticks';
import type { XScale } from './xAxis';

/** One curve: its points (or the chart's), its value per point, and how it is drawn. */
export interface ChartLine<P> {
  key: string;
  name: string;
  color: string;
  value: (p: P) => number | null | undefined;
  /** Points of this line alone (runs of a comparison); default: the chart's. */
  data?: P[];
  axis?: 'left' | 'right';
  dashed?: boolean;
  width?: number;
  /** Faint: the raw curve under its smoothed one. */
  faint?: boolean;
  /** Hidden from the hover readout (the raw curve under a smoothed one says the same). */
  noTooltip?: boolean;
}

export interface YSpec {
  axis: Axis;
  title: string;
  log?: boolean;
}

const TICK = { fontSize: 10.5 } as const;
const TITLE_STYLE = { fontSize: 10.5, fill: '#4a5260', textAnchor: 'middle' } as const;
const MARGIN = { top: 6, right: 8, bottom: 14, left: 4 };
const MARGIN_RIGHT_AXIS = { ...MARGIN, right: 4 };
/** Without an x title (a small multiple above the bottom row) the ticks need less room. */
const MARGIN_NO_X_TITLE = { ...MARGIN, bottom: 0 };
const DOT = { r: 2.5 };
const BOTH = { x: true, y: true };
const fmtValue = (v: unknown): string => (typeof v === 'number' ? v.toPrecision(4) : 'n/a');

/**
 * A line chart with the project's axes: round ticks (ticks.ts), titled axes with units, a hover readout with
 * both x units, optional ceilings (dashed reference lines) and a second y-axis. Animation off; recharts
 * settings as stable props (its store redoes work for a prop that changes identity).
 */
export function LineChartBox<P>(props: {
  data: P[];
  lines: ChartLine<P>[];
  x: { scale: Pick<XScale, 'axis' | 'title' | 'describe'>; value: (p: P) => number };
  y: YSpec;
  right?: YSpec;
  /** Dashed ceilings; a label is drawn in the plot, where the chart has room for it. */
  ceilings?: { y: number; color: string; label?: string }[];
  height: number;
  /** Dots while the curve is short enough to be read point by point. */
  dotsBelow?: number;
  /**
   * Axis titles drawn (default both): small multiples title the x-axis under their bottom row and the y-axis
   * beside their first column only.
   */
  titles?: { x: boolean; y: boolean };
}) {
  const { data, lines, x, y, right, ceilings = [], height, dotsBelow = 30, titles = BOTH } = props;
  const xLabel = useMemo(
    () => ({ value: x.scale.title, position: 'insideBottom' as const, offset: -8, style: TITLE_STYLE }),
    [x.scale.title],
  );
  const yLabel = useMemo(
    () => ({ value: y.title, angle: -90, position: 'insideLeft' as const, offset: 12, style: TITLE_STYLE }),
    [y.title],
  );
  const rightLabel = useMemo(
    () =>
      right && {
        value: right.title,
        angle: 90,
        position: 'insideRight' as const,
        offset: 12,
        style: TITLE_STYLE,
      },
    [right],
  );
  const describe = x.scale.describe;
  const tooltipLabel = useMemo(() => (v: unknown) => describe(Number(v)), [describe]);
  const longest = Math.max(data.length, ...lines.map((l) => l.data?.length ?? 0));
  const dot = longest <= dotsBelow ? DOT : false;
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={data} margin={right ? MARGIN_RIGHT_AXIS : titles.x ? MARGIN : MARGIN_NO_X_TITLE}>
        <CartesianGrid stroke="#eceef1" />
        <XAxis
          dataKey={x.value}
          type="number"
          domain={x.scale.axis.domain}
          ticks={x.scale.axis.ticks}
          tickFormatter={x.scale.axis.format}
          interval={0}
          tick={TICK}
          allowDuplicatedCategory={false}
          label={titles.x ? xLabel : undefined}
        />
        <YAxis
          yAxisId="left"
          width={titles.y ? 52 : 38}
          domain={y.axis.domain}
          ticks={y.axis.ticks}
          tickFormatter={y.axis.format}
          interval={0}
          tick={TICK}
          scale={y.log ? 'log' : 'auto'}
          allowDataOverflow
          label={titles.y ? yLabel : undefined}
        />
        {right && (
          <YAxis
            yAxisId="right"
            orientation="right"
            width={52}
            domain={right.axis.domain}
            ticks={right.axis.ticks}
            tickFormatter={right.axis.format}
            interval={0}
            tick={TICK}
            allowDataOverflow
            label={rightLabel}
          />
        )}
        <Tooltip formatter={fmtValue} labelFormatter={tooltipLabel} />
        {ceilings.map((c) => (
          <ReferenceLine
            key={`${c.y}`}
            yAxisId="left"
            y={c.y}
            stroke={c.color}
            strokeDasharray="5 4"
            label={
              c.label ? { value: c.label, position: 'insideTopRight', fontSize: 10, fill: '#555' } : undefined
            }
          />
        ))}
        {lines.map((l) => (
          <Line
            key={l.key}
            yAxisId={l.axis ?? 'left'}
            data={l.data}
            dataKey={l.value}
            name={l.name}
            stroke={l.color}
            strokeWidth={l.width ?? 1.5}
            strokeOpacity={l.faint ? 0.25 : 1}
            strokeDasharray={l.dashed ? '4 3' : undefined}
            dot={l.faint ? false : dot}
            tooltipType={l.noTooltip ? 'none' : undefined}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
