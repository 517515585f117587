import { fmtInt } from '../../common/format';
import { useStore } from '../../state/store';

/** Says that the selected run was cut short by a reload (or a closed tab), and what of it is kept. */
export function InterruptedNotice() {
  const run = useStore((s) => (s.run?.status === 'interrupted' ? s.run : null));
  if (!run) return null;
  const step = run.progress?.step ?? 0;
  const total = run.started?.totalSteps ?? 0;
  return (
    <p className="notice" role="status" data-testid="run-interrupted">
      This run was interrupted: the page was reloaded or closed{' '}
      {step > 0
        ? `at step ${fmtInt(step)}${total > 0 ? ` of ${fmtInt(total)}` : ''}. What it measured until then is kept below`
        : 'before it had trained a step'}
      . Train again to run it to the end.
    </p>
  );
}
