import { useEffect, useRef } from 'react';
import { drawHeatmap, showCellTitle, type HeatmapLayout } from './heatmapDraw';
import type { HeatmapSpec } from './readouts';
import { useStore, type AppState } from '../state/store';

/**
 * A heatmap of the latest evaluation, drawn on a canvas from a store subscription: a new evaluation repaints
 * pixels without a React render. `spec` must be stable (module-level or memoised): a new function resubscribes.
 */
export function HeatmapCanvas({
  spec,
  testId,
}: {
  spec: (s: AppState) => HeatmapSpec | null;
  testId: string;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<HeatmapLayout | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const draw = (s: AppState) => {
      const next = spec(s);
      if (next) layoutRef.current = drawHeatmap(canvas, next);
    };
    draw(useStore.getState());
    return useStore.subscribe((s, prev) => {
      if (s.run?.lastEval !== prev.run?.lastEval || s.run?.data !== prev.run?.data) draw(s);
    });
  }, [spec]);

  return (
    <canvas
      ref={canvasRef}
      data-testid={testId}
      onMouseMove={(e) => showCellTitle(e.currentTarget, layoutRef.current, e.clientX, e.clientY)}
    />
  );
}
