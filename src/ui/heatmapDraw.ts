/**
 * Draws one gate's mean weights as a grid on a canvas (rows: domains then "all", columns: experts), without
 * React: it runs from a store subscription on each evaluation. Colour is relative to the largest weight of the
 * map, so an even split and a collapsed gate are told apart at a glance; exact values are in the cells/tooltip.
 */
import type { GateStats } from '../engine/train/report';
import { rampRgb } from './palette';

const CELL_W = 34;
const CELL_H = 20;
const HEAD_H = 16;
const FONT = '11px system-ui, sans-serif';

export interface HeatmapLayout {
  labelW: number;
  rows: string[];
  values: number[][];
}

export function drawGateHeatmap(
  canvas: HTMLCanvasElement,
  gate: GateStats,
  domains: string[],
): HeatmapLayout {
  const rows = [...domains.map((d, i) => d || `domain ${i}`), 'all'];
  const values = [...gate.byDomain, gate.overall];
  const experts = gate.overall.length;
  const ctx = canvas.getContext('2d');
  if (!ctx) return { labelW: 0, rows, values };

  ctx.font = FONT;
  const labelW = Math.ceil(Math.max(...rows.map((r) => ctx.measureText(r).width))) + 10;
  const cssW = labelW + experts * CELL_W;
  const cssH = HEAD_H + rows.length * CELL_H;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  const max = Math.max(1e-9, ...values.flat());
  ctx.fillStyle = '#666';
  ctx.textAlign = 'center';
  for (let e = 0; e < experts; e++) ctx.fillText(`e${e}`, labelW + e * CELL_W + CELL_W / 2, HEAD_H / 2);

  rows.forEach((label, r) => {
    const y = HEAD_H + r * CELL_H;
    ctx.textAlign = 'right';
    ctx.fillStyle = r === rows.length - 1 ? '#000' : '#333';
    ctx.fillText(label, labelW - 6, y + CELL_H / 2);
    ctx.textAlign = 'center';
    for (let e = 0; e < experts; e++) {
      const v = values[r]?.[e] ?? 0;
      const t = v / max;
      const [red, green, blue] = rampRgb(t);
      ctx.fillStyle = `rgb(${red},${green},${blue})`;
      ctx.fillRect(labelW + e * CELL_W, y, CELL_W - 1, CELL_H - 1);
      ctx.fillStyle = t > 0.55 ? '#fff' : '#234';
      ctx.fillText(v.toFixed(2), labelW + e * CELL_W + CELL_W / 2, y + CELL_H / 2);
    }
  });
  // The "all" row is an aggregate: a rule sets it apart from the domains.
  ctx.fillStyle = '#000';
  ctx.fillRect(labelW, HEAD_H + (rows.length - 1) * CELL_H - 1, experts * CELL_W - 1, 1);
  return { labelW, rows, values };
}

/** The tooltip for a point on the canvas (CSS pixels), or "" outside the cells. */
export function heatmapTitle(layout: HeatmapLayout, x: number, y: number): string {
  const e = Math.floor((x - layout.labelW) / CELL_W);
  const r = Math.floor((y - HEAD_H) / CELL_H);
  const v = layout.values[r]?.[e];
  if (e < 0 || v === undefined) return '';
  return `${layout.rows[r]} → expert ${e}: ${v.toFixed(4)}`;
}
