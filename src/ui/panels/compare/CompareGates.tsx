import { useMemo } from 'react';
import { gateWeightsSpec } from '../../charts/readouts';
import { domainLabels } from '../../state/names';
import type { RunState } from '../../state/runState';
import { StaticHeatmap } from '../../charts/StaticHeatmap';

/** Each finished run's gates on the test split (mean weight per domain × expert), a row per run, side by side. */
export function CompareGates({ runs }: { runs: readonly RunState[] }) {
  const withGates = runs.filter((r) => (r.done?.test.gates.length ?? 0) > 0);
  if (withGates.length === 0)
    return <p className="muted">No finished run has gates (Shared-Bottom has none).</p>;
  return (
    <div className="compare-gates">
      {withGates.map((r) => (
        <RunGates key={r.id} run={r} />
      ))}
    </div>
  );
}

function RunGates({ run }: { run: RunState }) {
  const labels = domainLabels(run).join('\n');
  const gates = run.done?.test.gates;
  const specs = useMemo(
    () => (gates ?? []).map((g) => ({ name: g.name, spec: gateWeightsSpec(g, labels.split('\n')) })),
    [gates, labels],
  );
  return (
    <div className="compare-gates-row" data-testid="compare-gates-row">
      <div className="compare-gates-title">
        {run.name} · seed {run.experiment.train.seed}
      </div>
      <div className="heatmaps">
        {specs.map(({ name, spec }) => (
          <figure key={name} className="heatmap">
            <figcaption>{name}</figcaption>
            <StaticHeatmap spec={spec} testId={`compare-gate-${name}`} />
          </figure>
        ))}
      </div>
    </div>
  );
}
