import { fmtAuc, fmtInt, plural } from '../../common/format';
import { domainLabels } from '../../state/names';
import type { DoneInfo } from '../../state/runState';
import { useStore } from '../../state/store';
import { MetricTable } from './MetricTable';
import { Panel } from '../../common/Panel';

const REASONS = {
  completed: 'completed all epochs',
  'early-stopped': 'early-stopped (no better validation AUC within the patience)',
  stopped: 'stopped by you',
  'max-steps': 'reached max steps',
  diverged: 'diverged: the loss or the weights became non-finite',
  evaluated: 'scored the imported weights, without training',
} as const;

/** Which weights the test metrics come from, in words. */
export function weightsText(w: DoneInfo['weightsFrom']): string {
  switch (w.kind) {
    case 'best':
      return `test metrics of the best epoch (${w.epoch}, step ${fmtInt(w.step)}), restored`;
    case 'last':
      return `test metrics of the last step (${fmtInt(w.step)}): no finished epoch scored better on valid`;
    case 'imported':
      return 'test metrics of the imported weights';
  }
}

/** The final test-split metrics of a finished run, and why it ended. */
export function TestMetrics() {
  const done = useStore((s) => s.run?.done ?? null);
  const data = useStore((s) => s.run?.data ?? null);
  const labels = useStore((s) => (s.run ? domainLabels(s.run).join('\n') : ''));
  const oracle = useStore((s) => s.run?.oracle?.test ?? null);
  if (!done || !data) return null;
  return (
    <Panel
      title="Test metrics"
      aside={`mean cell AUC ${fmtAuc(done.test.meanCellAuc)} · mean task AUC ${fmtAuc(done.test.meanTaskAuc)}`}
      testId="test-metrics"
      className="test-panel"
    >
      <p className="done-line">
        <span className="done-reason" data-testid="done-reason" data-reason={done.reason}>
          {done.reason}
        </span>{' '}
        {REASONS[done.reason]}
        {done.reason !== 'evaluated' &&
          ` · ${plural(done.steps, 'step')}, ${plural(done.epochs, 'epoch')} finished`}
        {' · '}
        <span data-testid="weights-from" data-kind={done.weightsFrom.kind}>
          {weightsText(done.weightsFrom)}
        </span>
      </p>
      {done.failure && (
        <p className="done-failure" role="alert" data-testid="done-failure">
          {done.failure}
        </p>
      )}
      <MetricTable
        report={done.test}
        domains={data.domains}
        labels={labels.split('\n')}
        tasks={data.tasks}
        oracle={oracle}
        cellTestId="test-cell"
      />
    </Panel>
  );
}
