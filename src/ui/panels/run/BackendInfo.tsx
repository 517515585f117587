import { isActive } from '../../state/runState';
import { useStore } from '../../state/store';

/** The backend the worker chose and its adapter; why each faster one was passed over, on request. */
export function BackendInfo() {
  const backend = useStore((s) => s.run?.backend ?? null);
  const choice = useStore((s) => s.run?.backendChoice ?? null);
  const active = useStore((s) => isActive(s.run));
  if (!backend)
    return (
      <span className="backend-info muted">
        {choice && active ? `backend: ${choice}, starting…` : 'backend: –'}
      </span>
    );
  const passed = backend.fallbacks.length;
  return (
    <details className="backend-info">
      <summary data-testid="backend-summary">
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
        <span className="muted"> · {passed === 0 ? 'first choice' : `${passed} passed over`}</span>
      </summary>
      <ul className="fallbacks" data-testid="fallback-reasons">
        {passed === 0 ? (
          <li className="muted">no fallback: first choice used</li>
        ) : (
          backend.fallbacks.map((f) => (
            <li key={f.backend}>
              <b>{f.backend}</b> not used: {f.reason}
            </li>
          ))
        )}
      </ul>
    </details>
  );
}
