import { useStore } from '../store';

/** The backend the worker chose, its adapter, and why each faster one was passed over. */
export function BackendInfo() {
  const backend = useStore((s) => s.run?.backend ?? null);
  const choice = useStore((s) => s.run?.backendChoice ?? null);
  if (!backend)
    return (
      <div className="backend-info muted">{choice ? `backend: ${choice}, starting…` : 'backend: –'}</div>
    );
  return (
    <div className="backend-info">
      <span>
        backend <b data-testid="backend-name">{backend.backend}</b>
        {choice !== 'auto' && <span className="muted"> (asked: {choice})</span>}
        {backend.adapter && (
          <span className="muted" data-testid="backend-adapter">
            {' '}
            · {backend.adapter}
          </span>
        )}
        {backend.threads != null && (
          <span className="muted" data-testid="backend-threads">
            {' '}
            · {backend.threads} thread{backend.threads === 1 ? '' : 's'}
          </span>
        )}
      </span>
      <ul className="fallbacks" data-testid="fallback-reasons">
        {backend.fallbacks.length === 0 ? (
          <li className="muted">no fallback: first choice used</li>
        ) : (
          backend.fallbacks.map((f) => (
            <li key={f.backend}>
              <b>{f.backend}</b> not used: {f.reason}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}
