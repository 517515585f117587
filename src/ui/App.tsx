import { useEffect } from 'react';
import { AucCharts } from './components/AucCharts';
import { ComparePanel } from './components/ComparePanel';
import { CompareSetup } from './components/CompareSetup';
import { DatasetPanel } from './components/DatasetPanel';
import { ErrorBox } from './components/ErrorBox';
import { ExperimentJson } from './components/ExperimentJson';
import { GateHeatmaps } from './components/GateHeatmaps';
import { ImportPanel } from './components/ImportPanel';
import { LossChart } from './components/LossChart';
import { MetricGrid } from './components/MetricGrid';
import { ModelPanel } from './components/ModelPanel';
import { ModelReadouts } from './components/ModelReadouts';
import { PendingUploadNotice } from './components/PendingUploadNotice';
import { RunList } from './components/RunList';
import { RunPanel } from './components/RunPanel';
import { ShareLink } from './components/ShareLink';
import { TestMetrics } from './components/TestMetrics';
import { TrainSettings } from './components/TrainSettings';
import { UploadMapping } from './components/UploadMapping';
import { loadManifest } from './datasets';
import { restoreKeptRuns } from './runClient';
import { syncAddressBar } from './share';
import { useStore } from './store';
import { refreshSaved } from './upload/uploadClient';

export default function App() {
  useEffect(() => {
    const { setDatasets, setDatasetsError, selectDataset } = useStore.getState();
    let cancelled = false;
    let stopSync: (() => void) | undefined;
    loadManifest().then(
      (list) => {
        if (cancelled) return;
        setDatasets(list);
        // A link's experiment first (it names its dataset); else the first bundled dataset, so Train works at once.
        stopSync = syncAddressBar();
        const { data } = useStore.getState().experiment;
        if (list.length > 0 && data.dataset === undefined && data.path === undefined)
          selectDataset(list[0].id);
      },
      (e: unknown) => setDatasetsError((e as Error).message),
    );
    refreshSaved().catch((e: unknown) =>
      useStore
        .getState()
        .setUiError(`The files kept from earlier uploads could not be listed: ${(e as Error).message}`),
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

  return (
    <div className="app">
      <header className="topbar">
        <h1>MoE Playground</h1>
        <span className="tagline">
          multi-domain · multi-task · mixture-of-experts recommenders, trained in your browser
        </span>
        <ShareLink />
      </header>
      <div className="layout">
        <aside className="sidebar">
          <DatasetPanel />
          <ModelPanel />
          <CompareSetup />
          <TrainSettings />
          <ImportPanel />
          <ExperimentJson />
        </aside>
        <main className="main">
          <UploadMapping />
          <RunPanel />
          <PendingUploadNotice />
          <ErrorBox />
          <RunList />
          <ComparePanel />
          <TestMetrics />
          <div className="charts-row">
            <LossChart />
            <AucCharts />
          </div>
          <div className="results-row">
            <MetricGrid />
            <GateHeatmaps />
          </div>
          <ModelReadouts />
        </main>
      </div>
    </div>
  );
}
