import type { ReactNode } from 'react';
import { savePanel } from '../charts/exportChart';
import { useStore } from '../state/store';

/**
 * A titled box of the layout; `aside` sits at the right of the title (a hint, a small control). A panel with
 * an `exportName` holds charts: its head offers to save the panel as PNG or SVG (`<exportName>.png`).
 */
export function Panel(props: {
  title: string;
  aside?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
  exportName?: string;
}) {
  const { exportName } = props;
  return (
    <section
      className={`panel ${props.className ?? ''}`}
      data-testid={props.testId}
      data-export-root={exportName === undefined ? undefined : ''}
    >
      <header className="panel-head">
        <h2>{props.title}</h2>
        {props.aside !== undefined && <div className="panel-aside">{props.aside}</div>}
        {exportName !== undefined && <SaveButtons title={props.title} name={exportName} />}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

function SaveButtons({ title, name }: { title: string; name: string }) {
  const setUiError = useStore((s) => s.setUiError);
  const save = (from: Element, format: 'png' | 'svg') =>
    savePanel(from, name, format).catch((e: unknown) =>
      setUiError(`${title} could not be saved as ${format.toUpperCase()}: ${(e as Error).message}`),
    );
  return (
    <span className="chart-save" data-export="skip">
      {(['png', 'svg'] as const).map((format) => (
        <button
          key={format}
          type="button"
          className="small"
          aria-label={`Save ${title} as ${format.toUpperCase()}`}
          title={`Save this panel as ${format.toUpperCase()}`}
          data-testid={`save-${name}-${format}`}
          onClick={(e) => void save(e.currentTarget, format)}
        >
          {format.toUpperCase()}
        </button>
      ))}
    </span>
  );
}
