import { useEffect } from 'react';
import { ViewTabs, useMainView } from './common/ViewTabs';
import { ComparePanel } from './panels/compare/ComparePanel';
import { CompareSetup } from './panels/compare/CompareSetup';
import { DatasetPanel } from './panels/data/DatasetPanel';
import { PendingUploadNotice } from './panels/data/PendingUploadNotice';
import { ExperimentJson } from './panels/experiment/ExperimentJson';
import { ImportPanel } from './panels/experiment/ImportPanel';
import { ShareLink } from './panels/experiment/ShareLink';
import { MappingStep } from './panels/mapping/MappingStep';
import { UploadMapping } from './panels/mapping/UploadMapping';
import { ModelPanel } from './panels/model/ModelPanel';
import { RunView } from './panels/results/RunView';
import { ErrorBox } from './panels/run/ErrorBox';
import { RunList } from './panels/run/RunList';
import { RunPanel } from './panels/run/RunPanel';
import { TrainSettings } from './panels/training/TrainSettings';
import { loadManifest } from './state/datasets';
import { useStore } from './state/store';
import { syncAddressBar } from './persist/share';
import { restoreKeptRuns } from './workers/runClient';
import { refreshSaved, restoreKeptUpload } from './workers/uploadClient';

/**
 * The workbench: the configuration as steps in a side column (data → mapping → model → training → compare),
 * the runs and the experiment's files under it, and the main area showing one view: the selected run, the
 * runs side by side, or an upload's column mapping. Each column scrolls on its own; the page never does.
 */
export default function App() {
  useEffect(() => {
    const { setDatasets, setDatasetsError, selectDataset } = useStore.getState();
    let cancelled = false;
    let stopSync: (() => void) | undefined;
    const linked = loadManifest().then(
      async (list) => {
        if (cancelled) return;
        setDatasets(list);
        // A link's experiment first (it names its dataset, or the kept upload read again below); else the first
        // bundled dataset, so Train works at once. The link is decoded in a worker: wait for it.
        const sync = syncAddressBar();
        stopSync = sync.stop;
        await sync.loaded;
        if (cancelled) return;
        const { data } = useStore.getState().experiment;
        if (list.length > 0 && data.dataset === undefined && data.path === undefined)
          selectDataset(list[0].id);
      },
      (e: unknown) => setDatasetsError((e as Error).message),
    );
    const listed = refreshSaved().catch((e: unknown) =>
      useStore
        .getState()
        .setUiError(`The files kept from earlier uploads could not be listed: ${(e as Error).message}`),
    );
    // The experiment (from the address bar) and the kept files both known: its file is read again by itself.
    Promise.all([linked, listed])
      .then(() => (cancelled ? undefined : restoreKeptUpload()))
      .catch((e: unknown) =>
        useStore.getState().setUiError(`The kept file could not be read again: ${(e as Error).message}`),
      );
    restoreKeptRuns().catch((e: unknown) =>
      useStore
        .getState()
        .setUiError(`The runs kept from earlier visits could not be read: ${(e as Error).message}`),
    );
    return () => {
      cancelled = true;
      stopSync?.();
    };
  }, []);
  const view = useMainView();

  return (
    <div className="app">
      <header className="topbar">
        <h1>MoE Playground</h1>
        <ViewTabs />
        <span className="tagline">
          multi-domain · multi-task · mixture-of-experts, trained in your browser
        </span>
        <ShareLink />
      </header>
      <div className="workbench">
        <aside className="side" aria-label="Experiment setup and runs">
          <div className="steps">
            <DatasetPanel />
            <MappingStep />
            <ModelPanel />
            <TrainSettings />
            <CompareSetup />
          </div>
          <RunList />
          <ImportPanel />
          <ExperimentJson />
        </aside>
        <main className="main" id="main-view" aria-label={`${view} view`}>
          <RunPanel />
          <PendingUploadNotice />
          <ErrorBox />
          {view === 'run' && <RunView />}
          {view === 'compare' && <ComparePanel />}
          {view === 'mapping' && <UploadMapping />}
        </main>
      </div>
    </div>
  );
}
