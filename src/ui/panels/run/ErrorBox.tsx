import { useStore } from '../../state/store';

/** The one place errors show: a run's error (naming column and row where known) or a problem on the page. */
export function ErrorBox() {
  const uiError = useStore((s) => s.uiError);
  const runError = useStore((s) => s.run?.error ?? null);
  const stopped = useStore((s) => s.run?.status === 'stopped');
  const setUiError = useStore((s) => s.setUiError);
  if (!uiError && !runError) return null;

  return (
    <div className="error-box" role="alert" data-testid="error-message">
      {uiError ? (
        <>
          <pre>{uiError}</pre>
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => setUiError(null)}>
            ×
          </button>
        </>
      ) : (
        runError && (
          <>
            <strong>{stopped ? 'The run was stopped.' : 'The run failed.'}</strong>
            <pre>{runError.message}</pre>
            {(runError.column !== undefined || runError.row !== undefined) && (
              <div className="error-where">
                {runError.column !== undefined && (
                  <span>
                    column <code>{runError.column}</code>
                  </span>
                )}
                {runError.row !== undefined && <span>row {runError.row}</span>}
              </div>
            )}
            {runError.keptResults && (
              <div className="muted">
                Results measured before the {stopped ? 'stop' : 'error'} are kept below.
              </div>
            )}
          </>
        )
      )}
    </div>
  );
}
