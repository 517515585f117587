import { useEffect, useRef } from 'react';
import { drawHeatmap, showCellTitle, type HeatmapLayout } from './heatmapDraw';
import type { HeatmapSpec } from './readouts';

/** A heatmap of fixed values (a finished run's), drawn when its spec changes. */
export function StaticHeatmap({ spec, testId }: { spec: HeatmapSpec; testId: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<HeatmapLayout | null>(null);
  useEffect(() => {
    if (canvasRef.current) layoutRef.current = drawHeatmap(canvasRef.current, spec);
  }, [spec]);
  return (
    <canvas
      ref={canvasRef}
      data-testid={testId}
      onMouseMove={(e) => showCellTitle(e.currentTarget, layoutRef.current, e.clientX, e.clientY)}
    />
  );
}
