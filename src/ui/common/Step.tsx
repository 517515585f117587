import type { ReactNode } from 'react';
import { useStore, type StepId } from '../state/store';

/**
 * One configuration step of the side column: a header that always shows the step's one-line summary (and what
 * is left to fix), and its form when it is the open step. At most one step is open, so the column stays short.
 */
export function Step(props: {
  id: StepId;
  index: number;
  title: string;
  summary: ReactNode;
  /** Problems to fix in this step, counted in the header even while it is closed. */
  problems?: number;
  children: ReactNode;
}) {
  const { id, index, title, summary, problems = 0, children } = props;
  const open = useStore((s) => s.openStep === id);
  const toggleStep = useStore((s) => s.toggleStep);
  const bodyId = `step-body-${id}`;
  return (
    <section className={`step${open ? ' open' : ''}`} data-testid={`step-${id}`} data-open={open}>
      <h2 className="step-head">
        <button
          type="button"
          className="step-toggle"
          aria-expanded={open}
          aria-controls={bodyId}
          data-testid={`step-${id}-toggle`}
          onClick={() => toggleStep(id)}
        >
          <span className="step-index" aria-hidden="true">
            {index}
          </span>
          <span className="step-title">{title}</span>
          <span className="step-summary" data-testid={`step-${id}-summary`}>
            {summary}
          </span>
          {problems > 0 && (
            <span className="step-problems" data-testid={`step-${id}-problems`}>
              {problems} to fix
            </span>
          )}
        </button>
      </h2>
      {open && (
        <div className="step-body" id={bodyId}>
          {children}
        </div>
      )}
    </section>
  );
}
