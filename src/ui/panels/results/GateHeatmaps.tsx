import { useStore } from '../../state/store';
import { GateHeatmap } from './GateHeatmap';
import { Panel } from '../../common/Panel';

/** A heatmap per gate of the model; re-renders only when the set of gates changes. */
export function GateHeatmaps() {
  // A joined string compares by value: evaluations with the same gates do not re-render this list.
  const names = useStore((s) => s.run?.lastEval?.report.gates.map((g) => g.name).join('\n') ?? '');
  const gates = names === '' ? [] : names.split('\n');
  return (
    <Panel
      title="Gate weights"
      aside="latest validation pass"
      className="gates-panel"
      testId="gates-panel"
      exportName="gate-weights"
    >
      {gates.length === 0 ? (
        <p className="muted">Gate routing appears after the first evaluation (models with gates only).</p>
      ) : (
        <div className="heatmaps">
          {gates.map((g) => (
            <GateHeatmap key={g} name={g} />
          ))}
        </div>
      )}
    </Panel>
  );
}
