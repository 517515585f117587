import { useStore, usesUpload, type AppState, type MainView } from '../state/store';

const LABELS: Record<MainView, string> = { run: 'Run', compare: 'Compare', mapping: 'Mapping' };

/** The views there is something to show in: a run always, Compare with two runs or more, Mapping for an upload. */
function availableViews(s: AppState): MainView[] {
  return [
    'run',
    ...(s.runs.length >= 2 ? (['compare'] as const) : []),
    ...(usesUpload(s) ? (['mapping'] as const) : []),
  ];
}

const selectViews = (s: AppState) => availableViews(s).join(' ');

/** The view shown: the chosen one while it has something to show, else the run. */
export function useMainView(): MainView {
  return useStore((s) => (availableViews(s).includes(s.view) ? s.view : 'run'));
}

/** Tabs of the main area (shown once there is more than one view). */
export function ViewTabs() {
  const views = useStore(selectViews).split(' ') as MainView[];
  const current = useMainView();
  const setView = useStore((s) => s.setView);
  const runCount = useStore((s) => s.runs.length);
  if (views.length < 2) return null;
  return (
    <nav className="view-tabs" role="tablist" aria-label="Main view">
      {views.map((v) => (
        <button
          key={v}
          type="button"
          role="tab"
          aria-selected={v === current}
          aria-controls="main-view"
          data-testid={`view-${v}`}
          className={v === current ? 'selected' : undefined}
          onClick={() => setView(v)}
        >
          {LABELS[v]}
          {v === 'compare' && <span className="tab-count"> ({runCount} runs)</span>}
        </button>
      ))}
    </nav>
  );
}
