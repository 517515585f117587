import { useMemo } from 'react';
import { downloadRunZip } from '../../persist/download';
import { checkPlan, planDraftOf } from '../../state/plan';
import { pauseRun, resumeRun, stopRun } from '../../workers/runClient';
import { isRunning } from '../../state/runState';
import { useStore } from '../../state/store';
import { useCheckedTrain } from './useCheckedTrain';
import { TrainBeyond } from './TrainBeyond';

/**
 * Train queues the plan's runs (every configuration × seed); Pause / Resume / Stop / Export act on the selected
 * run, whose status is shown. Train says why it is disabled.
 */
export function RunControls() {
  const experiment = useStore((s) => s.experiment);
  const compareModels = useStore((s) => s.compareModels);
  const seeds = useStore((s) => s.seeds);
  const datasets = useStore((s) => s.datasets);
  const upload = useStore((s) => s.upload);
  const run = useStore((s) => s.run);
  const checked = useMemo(
    () => checkPlan(planDraftOf({ experiment, compareModels, seeds }), datasets, upload),
    [experiment, compareModels, seeds, datasets, upload],
  );
  const problems = checked.ok ? [] : checked.problems;
  const count = checked.ok ? checked.runs.length : 0;
  const status = run?.status ?? 'idle';
  const id = run?.id ?? '';
  // An upload is checked before it is trained on, and a Check-data error asks first.
  const checkedTrain = useCheckedTrain();

  return (
    <div className="run-controls">
      <div className="button-row">
        <button
          type="button"
          className="primary"
          data-testid="train-button"
          disabled={!checked.ok}
          title={problems.join('\n') || undefined}
          onClick={checkedTrain.train}
        >
          ▶ Train{count > 1 ? ` ${count} runs` : ''}
        </button>
        <button
          type="button"
          data-testid="pause-button"
          disabled={status !== 'training'}
          onClick={() => pauseRun(id)}
        >
          ❚❚ Pause
        </button>
        <button
          type="button"
          data-testid="resume-button"
          disabled={status !== 'paused'}
          onClick={() => resumeRun(id)}
        >
          ▶ Resume
        </button>
        <button
          type="button"
          data-testid="stop-button"
          disabled={!run || !isRunning(run) || status === 'stopping' || status === 'evaluating'}
          onClick={() => stopRun(id)}
        >
          ■ Stop
        </button>
        <button
          type="button"
          data-testid="export-zip"
          disabled={!run?.exportZip}
          title={
            run?.exportError ?? 'the finished run: weights, schema, metrics and environment, as one .zip'
          }
          onClick={() => run && downloadRunZip(run)}
        >
          ⇩ Export .zip
        </button>
        <TrainBeyond />
        <span className={`status-pill status-${status}`} data-testid="run-status" data-status={status}>
          {status}
        </span>
        {run && (
          <span className="run-title" data-testid="run-title">
            {run.name} · seed {run.experiment.train.seed}
          </span>
        )}
      </div>
      {checkedTrain.confirm}
      {problems.length > 0 && datasets.length > 0 && (
        <ul className="inline-error problems" data-testid="experiment-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {run?.exportError && (
        <p className="inline-error" data-testid="export-error">
          Export failed: {run.exportError}
        </p>
      )}
    </div>
  );
}
