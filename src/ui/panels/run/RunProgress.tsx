import { fmtInt, fmtRateValue } from '../../common/format';
import { useStore } from '../../state/store';

/** Step and epoch progress and throughput of the current run. */
export function RunProgress() {
  const progress = useStore((s) => s.run?.progress ?? null);
  const started = useStore((s) => s.run?.started ?? null);
  const done = useStore((s) => s.run?.done ?? null);
  const epochs = useStore((s) => s.run?.experiment.train.epochs ?? 0);
  const kernels = useStore((s) => s.run?.kernelsPerStep ?? null);
  const params = useStore((s) => s.run?.params ?? null);
  const step = done?.steps ?? progress?.step ?? 0;
  const total = started?.totalSteps ?? 0;
  const fraction = total > 0 ? Math.min(1, step / total) : 0;
  // While training: the epoch in progress (1-based); once done: the epochs that ran to their end.
  const epoch = done ? done.epochs : (progress?.epoch ?? 0);

  return (
    <div className="run-progress">
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={step}
      >
        <div className="progress-fill" style={{ width: `${(100 * fraction).toFixed(1)}%` }} />
      </div>
      <div className="kv-row">
        <span>
          step <b data-testid="run-step">{step}</b>
          {total > 0 && ` / ${fmtInt(total)}`}
        </span>
        <span>
          {done ? 'epochs finished' : 'epoch'} <b data-testid="run-epoch">{epoch}</b> / {epochs}
        </span>
        <span>
          <b data-testid="samples-per-second">{progress ? fmtRateValue(progress.samplesPerSecond) : '–'}</b>{' '}
          samples/s
        </span>
        <span>
          <b data-testid="ms-per-step">{progress ? progress.msPerStep.toFixed(1) : '–'}</b> ms/step
        </span>
        {params !== null && (
          <span>
            <b data-testid="run-params">{fmtInt(params)}</b> params
          </span>
        )}
        {kernels !== null && (
          <span title="kernel dispatches per training step (on a GPU, the main cost)">
            <b data-testid="kernels-per-step">{fmtInt(kernels)}</b> kernels/step
          </span>
        )}
      </div>
    </div>
  );
}
