import { useMemo } from 'react';
import { pauseRun, resumeRun, startRun, stopRun } from '../runClient';
import { isActive } from '../runState';
import { useStore } from '../store';
import { checkExperiment } from '../validate';

/** Train / Pause / Resume / Stop and the run's status; Train says why it is disabled. */
export function RunControls() {
  const experiment = useStore((s) => s.experiment);
  const datasets = useStore((s) => s.datasets);
  const upload = useStore((s) => s.upload);
  const status = useStore((s) => s.run?.status ?? 'idle');
  const active = useStore((s) => isActive(s.run));
  const checked = useMemo(
    () => checkExperiment(experiment, datasets, upload),
    [experiment, datasets, upload],
  );
  const problems = checked.ok ? [] : checked.problems;

  return (
    <div className="run-controls">
      <div className="button-row">
        <button
          type="button"
          className="primary"
          data-testid="train-button"
          disabled={active || !checked.ok}
          title={problems.join('\n') || undefined}
          onClick={startRun}
        >
          ▶ Train
        </button>
        <button type="button" data-testid="pause-button" disabled={status !== 'training'} onClick={pauseRun}>
          ❚❚ Pause
        </button>
        <button type="button" data-testid="resume-button" disabled={status !== 'paused'} onClick={resumeRun}>
          ▶ Resume
        </button>
        <button
          type="button"
          data-testid="stop-button"
          disabled={!active || status === 'stopping'}
          onClick={stopRun}
        >
          ■ Stop
        </button>
        <span className={`status-pill status-${status}`} data-testid="run-status" data-status={status}>
          {status}
        </span>
      </div>
      {problems.length > 0 && datasets.length > 0 && (
        <ul className="inline-error problems" data-testid="experiment-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
