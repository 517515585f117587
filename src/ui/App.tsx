import { useEffect } from 'react';
import { AucCharts } from './panels/results/AucCharts';
import { ComparePanel } from './panels/compare/ComparePanel';
import { CompareSetup } from './panels/compare/CompareSetup';
import { DatasetPanel } from './panels/data/DatasetPanel';
import { ErrorBox } from './panels/run/ErrorBox';
import { ExperimentJson } from './panels/experiment/ExperimentJson';
import { GateHeatmaps } from './panels/results/GateHeatmaps';
import { ImportPanel } from './panels/experiment/ImportPanel';
import { LossChart } from './panels/results/LossChart';
import { MetricGrid } from './panels/results/MetricGrid';
import { ModelPanel } from './panels/model/ModelPanel';
import { ModelReadouts } from './panels/results/ModelReadouts';
import { PendingUploadNotice } from './panels/data/PendingUploadNotice';
import { RunList } from './panels/run/RunList';
import { RunPanel } from './panels/run/RunPanel';
import { ShareLink } from './panels/experiment/ShareLink';
import { TestMetrics } from './panels/results/TestMetrics';
import { TrainSettings } from './panels/training/TrainSettings';
import { UploadMapping } from './panels/mapping/UploadMapping';
import { loadManifest } from './state/datasets';
import { restoreKeptRuns } from './workers/runClient';
import { syncAddressBar } from './persist/share';
import { useStore } from './state/store';
import { refreshSaved } from './workers/uploadClient';

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
