/**
 * Draws a labelled grid of numbers on a canvas (gate weights, selection frequencies, model inspections), without
 * React: the callers run it from a store subscription on each evaluation. Colour is relative to the map's own
 * range (from 0, or from its minimum when that is negative), so an even split and a collapsed gate are told
 * apart at a glance; the colour scale under the grid says which range that is, and exact values are in the
 * cells and the tooltip.
 */
import { rampRgb } from './palette';
import type { HeatmapSpec } from './readouts';

const MIN_CELL_W = 34;
const CELL_H = 20;
const HEAD_H = 16;
/** The colour scale under the grid: a gap, the ramp, and its labels. */
const SCALE_GAP = 6;
const SCALE_BAR_H = 8;
const SCALE_H = SCALE_GAP + SCALE_BAR_H + 14;
const SCALE_MAX_W = 180;
const FONT = '11px system-ui, sans-serif';

export interface HeatmapLayout {
  labelW: number;
  cellW: number;
  rows: string[];
  cols: string[];
  values: number[][];
}

export function drawHeatmap(canvas: HTMLCanvasElement, spec: HeatmapSpec): HeatmapLayout {
  const { rows, cols, values } = spec;
  const format = spec.format ?? ((v: number) => v.toFixed(2));
  const layout: HeatmapLayout = {
    labelW: 0,
    cellW: MIN_CELL_W,
    rows: spec.rowTitles ?? rows,
    cols: spec.colTitles ?? cols,
    values,
  };
  const ctx = canvas.getContext('2d');
  if (!ctx) return layout;

  ctx.font = FONT;
  const textW = (t: string) => ctx.measureText(t).width;
  const labelW = Math.ceil(Math.max(0, ...rows.map(textW))) + 10;
  const cellTexts = values.map((row) => row.map(format));
  const cellW = Math.ceil(Math.max(MIN_CELL_W - 6, ...cols.map(textW), ...cellTexts.flat().map(textW)) + 6);
  // The scale needs room for its three labels, even under a grid of two columns.
  const scaleW = Math.max(150, Math.min(SCALE_MAX_W, cols.length * cellW));
  const cssW = Math.max(labelW + cols.length * cellW, labelW + scaleW);
  const gridH = HEAD_H + rows.length * CELL_H;
  const cssH = gridH + SCALE_H;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  const finite = values.flat().filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const span = Math.max(1e-9, Math.max(lo, ...finite) - lo);
  drawScale(ctx, labelW, gridH, scaleW, lo, lo + span, format, spec.scaleLabel);
  ctx.fillStyle = '#666';
  ctx.textAlign = 'center';
  cols.forEach((c, j) => ctx.fillText(c, labelW + j * cellW + cellW / 2, HEAD_H / 2));

  rows.forEach((label, r) => {
    const y = HEAD_H + r * CELL_H;
    const isTotal = spec.totalRow === true && r === rows.length - 1;
    ctx.textAlign = 'right';
    ctx.fillStyle = isTotal ? '#000' : '#333';
    ctx.fillText(label, labelW - 6, y + CELL_H / 2);
    ctx.textAlign = 'center';
    for (let j = 0; j < cols.length; j++) {
      const v = values[r]?.[j];
      const x = labelW + j * cellW;
      if (v === undefined || !Number.isFinite(v)) {
        ctx.fillStyle = '#f3f4f6';
        ctx.fillRect(x, y, cellW - 1, CELL_H - 1);
        ctx.fillStyle = '#999';
        ctx.fillText(v === undefined ? '' : String(v), x + cellW / 2, y + CELL_H / 2);
        continue;
      }
      const t = (v - lo) / span;
      const [red, green, blue] = rampRgb(t);
      ctx.fillStyle = `rgb(${red},${green},${blue})`;
      ctx.fillRect(x, y, cellW - 1, CELL_H - 1);
      ctx.fillStyle = t > 0.55 ? '#fff' : '#234';
      ctx.fillText(cellTexts[r][j], x + cellW / 2, y + CELL_H / 2);
    }
  });
  if (spec.totalRow === true) {
    // The aggregate row is set apart from the rows it sums by a rule.
    ctx.fillStyle = '#000';
    ctx.fillRect(labelW, HEAD_H + (rows.length - 1) * CELL_H - 1, cols.length * cellW - 1, 1);
  }
  return { ...layout, labelW, cellW };
}

/** The ramp from `lo` to `hi` with both ends labelled, and what the colour measures. */
function drawScale(
  ctx: CanvasRenderingContext2D,
  x: number,
  gridH: number,
  width: number,
  lo: number,
  hi: number,
  format: (v: number) => string,
  label = 'value',
): void {
  const y = gridH + SCALE_GAP;
  const w = width;
  const gradient = ctx.createLinearGradient(x, 0, x + w, 0);
  for (const t of [0, 0.5, 1]) {
    const [r, g, b] = rampRgb(t);
    gradient.addColorStop(t, `rgb(${r},${g},${b})`);
  }
  ctx.fillStyle = gradient;
  ctx.fillRect(x, y, w, SCALE_BAR_H);
  ctx.strokeStyle = '#c9ced6';
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, SCALE_BAR_H - 1);
  ctx.fillStyle = '#555';
  const textY = y + SCALE_BAR_H + 7;
  ctx.textAlign = 'left';
  ctx.fillText(format(lo), x, textY);
  ctx.textAlign = 'right';
  ctx.fillText(format(hi), x + w, textY);
  ctx.textAlign = 'center';
  ctx.fillText(label, x + w / 2, textY);
}

/** The tooltip for a point on the canvas (CSS pixels), or "" outside the cells. */
export function heatmapTitle(layout: HeatmapLayout, x: number, y: number): string {
  const c = Math.floor((x - layout.labelW) / layout.cellW);
  const r = Math.floor((y - HEAD_H) / CELL_H);
  const v = layout.values[r]?.[c];
  if (c < 0 || v === undefined) return '';
  return `${layout.rows[r]} → ${layout.cols[c]}: ${Number.isFinite(v) ? v.toPrecision(4) : String(v)}`;
}

/** Sets the canvas tooltip to the cell under the pointer (both the live and the fixed heatmaps). */
export function showCellTitle(
  canvas: HTMLCanvasElement,
  layout: HeatmapLayout | null,
  clientX: number,
  clientY: number,
): void {
  if (!layout) return;
  const box = canvas.getBoundingClientRect();
  canvas.title = heatmapTitle(layout, clientX - box.left, clientY - box.top);
}
