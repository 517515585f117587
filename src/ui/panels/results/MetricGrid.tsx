import { fmtAuc } from '../../common/format';
import { domainLabels } from '../../state/names';
import { useStore } from '../../state/store';
import { MetricTable } from './MetricTable';
import { Panel } from '../../common/Panel';

/** The latest validation pass per domain × task (AUC gap to the oracle in small type). */
export function MetricGrid() {
  const lastEval = useStore((s) => s.run?.lastEval ?? null);
  const data = useStore((s) => s.run?.data ?? null);
  const labels = useStore((s) => (s.run ? domainLabels(s.run).join('\n') : ''));
  const oracle = useStore((s) => s.run?.oracle?.valid ?? null);
  const aside = lastEval
    ? `${lastEval.report.partial ? 'live sample' : 'full pass'} at step ${lastEval.step}, ${lastEval.report.rows} rows · mean cell AUC ${fmtAuc(lastEval.report.meanCellAuc)}`
    : undefined;
  return (
    <Panel title="Validation metrics" aside={aside} testId="metric-grid">
      {lastEval && data ? (
        <MetricTable
          report={lastEval.report}
          domains={data.domains}
          labels={labels.split('\n')}
          tasks={data.tasks}
          oracle={oracle}
          cellTestId="cell"
        />
      ) : (
        <p className="muted">Metrics per domain × task appear with the first evaluation.</p>
      )}
    </Panel>
  );
}
