import { fmtAuc, fmtInt } from '../../common/format';
import { queuePolicyText } from '../../workers/runQueue';
import { removeRuns } from '../../workers/runClient';
import { isRunning, type RunState } from '../../state/runState';
import { useStore } from '../../state/store';
import { Panel } from '../../common/Panel';

/**
 * Every run of this visit and the ones kept from earlier visits: pick one to show it in the run view, remove
 * the ones that are not running. Runs stay (in IndexedDB) until removed.
 */
export function RunList() {
  const runs = useStore((s) => s.runs);
  const selectedId = useStore((s) => s.selectedRunId);
  const selectRun = useStore((s) => s.selectRun);
  if (runs.length === 0) return null;
  const removable = runs.filter((r) => !isRunning(r)).map((r) => r.id);
  const cores = navigator.hardwareConcurrency || 2;

  return (
    <Panel
      title={`Runs (${runs.length})`}
      testId="run-list"
      aside={
        <button
          type="button"
          className="small"
          disabled={removable.length === 0}
          title="Removes every run that is not running, here and from the browser's storage"
          onClick={() => removeRuns(removable)}
        >
          Remove all
        </button>
      }
    >
      <p className="muted queue-policy" data-testid="queue-policy">
        {queuePolicyText(runs, cores)}
      </p>
      <ul className="run-list" aria-label="Runs">
        {runs.map((r) => (
          <RunRow key={r.id} run={r} selected={r.id === selectedId} onSelect={() => selectRun(r.id)} />
        ))}
      </ul>
    </Panel>
  );
}

function RunRow({ run, selected, onSelect }: { run: RunState; selected: boolean; onSelect: () => void }) {
  const step = run.done?.steps ?? run.progress?.step ?? 0;
  const total = run.started?.totalSteps ?? 0;
  const label = `${run.name} · seed ${run.experiment.train.seed}`;
  const figure = run.done
    ? `test AUC ${fmtAuc(run.done.test.meanCellAuc)}`
    : total > 0
      ? `step ${fmtInt(step)} / ${fmtInt(total)}`
      : '';
  return (
    <li
      className={`run-row ${selected ? 'selected' : ''}`}
      data-testid="run-row"
      data-run-id={run.id}
      data-status={run.status}
    >
      <button
        type="button"
        aria-current={selected}
        data-testid="run-select"
        className="run-select"
        onClick={onSelect}
        title={`${label}\n${run.id}`}
      >
        <span className="run-name">{label}</span>
        <span className="run-meta">
          {[
            run.datasetName,
            run.init &&
              `from ${run.init.file} (${run.init.mode === 'evaluate' ? 'evaluated' : 'trained further'})`,
            run.backend?.backend,
            figure,
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </button>
      <span className={`status-pill status-${run.status}`}>{run.status}</span>
      <button
        type="button"
        className="small icon"
        aria-label={`Remove ${label}`}
        disabled={isRunning(run)}
        title={isRunning(run) ? 'Stop the run first' : 'Remove this run (and its kept copy)'}
        onClick={() => removeRuns([run.id])}
      >
        ×
      </button>
    </li>
  );
}
