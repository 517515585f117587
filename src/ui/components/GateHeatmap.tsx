import { useEffect, useRef } from 'react';
import { drawGateHeatmap, heatmapTitle, type HeatmapLayout } from '../heatmapDraw';
import { useStore, type AppState } from '../store';

const gateOf = (s: AppState, name: string) => s.run?.lastEval?.report.gates.find((g) => g.name === name);

/**
 * One gate's mean weight per domain × expert. Drawn on a canvas from a store subscription, so a new
 * evaluation repaints pixels without a React render.
 */
export function GateHeatmap({ name }: { name: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<HeatmapLayout | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const draw = (s: AppState) => {
      const gate = gateOf(s, name);
      if (gate) layoutRef.current = drawGateHeatmap(canvas, gate, s.run?.data?.domains ?? []);
    };
    draw(useStore.getState());
    return useStore.subscribe((s, prev) => {
      if (s.run?.lastEval !== prev.run?.lastEval) draw(s);
    });
  }, [name]);

  return (
    <figure className="heatmap">
      <figcaption>{name}</figcaption>
      <canvas
        ref={canvasRef}
        data-testid={`gate-heatmap-${name}`}
        onMouseMove={(e) => {
          const layout = layoutRef.current;
          if (!layout) return;
          const box = e.currentTarget.getBoundingClientRect();
          e.currentTarget.title = heatmapTitle(layout, e.clientX - box.left, e.clientY - box.top);
        }}
      />
    </figure>
  );
}
