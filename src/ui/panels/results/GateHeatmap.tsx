import { useCallback } from 'react';
import type { GateStats } from '../../../engine/train/report';
import { gateSelectionSpec, gateWeightsSpec, isSparseGate } from '../../charts/readouts';
import { domainLabels } from '../../state/names';
import { useStore, type AppState } from '../../state/store';
import { HeatmapCanvas } from '../../charts/HeatmapCanvas';

const gateOf = (s: AppState, name: string): GateStats | undefined =>
  s.run?.lastEval?.report.gates.find((g) => g.name === name);
const domainsOf = (s: AppState): string[] => (s.run ? domainLabels(s.run) : []);

/**
 * One gate: its mean weight per domain × expert and, for a sparse gate (some expert gets exactly zero weight in
 * some rows), how often each domain selects each expert, the experts active per row and MI(domain; expert).
 */
export function GateHeatmap({ name }: { name: string }) {
  const weights = useCallback(
    (s: AppState) => {
      const g = gateOf(s, name);
      return g ? gateWeightsSpec(g, domainsOf(s)) : null;
    },
    [name],
  );
  const selection = useCallback(
    (s: AppState) => {
      const g = gateOf(s, name);
      return g ? gateSelectionSpec(g, domainsOf(s)) : null;
    },
    [name],
  );
  // Plain values (a boolean, a string) compare by value: the figure re-renders only when they change.
  const sparse = useStore((s) => {
    const g = gateOf(s, name);
    return g !== undefined && isSparseGate(g);
  });
  const active = useStore((s) => gateOf(s, name)?.activePerRow.toFixed(2));
  const mi = useStore((s) => gateOf(s, name)?.selectionMi.toFixed(3));

  return (
    <figure className="heatmap">
      <figcaption>{name}</figcaption>
      {sparse ? (
        <>
          <div className="gate-maps">
            <div>
              <div className="map-title">mean weight</div>
              <HeatmapCanvas spec={weights} testId={`gate-heatmap-${name}`} />
            </div>
            <div>
              <div className="map-title">selection frequency</div>
              <HeatmapCanvas spec={selection} testId={`gate-selection-${name}`} />
            </div>
          </div>
          <div className="gate-stats">
            <span data-testid={`gate-active-${name}`}>
              <b>{active}</b> experts active per row
            </span>
            <span
              data-testid={`gate-mi-${name}`}
              title="mutual information between a row's domain and the experts it selects"
            >
              MI(domain; expert) = <b>{mi}</b> nats
            </span>
          </div>
        </>
      ) : (
        <HeatmapCanvas spec={weights} testId={`gate-heatmap-${name}`} />
      )}
    </figure>
  );
}
