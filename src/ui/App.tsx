import { useEffect } from 'react';
import { AucCharts } from './components/AucCharts';
import { DatasetPanel } from './components/DatasetPanel';
import { ErrorBox } from './components/ErrorBox';
import { ExperimentJson } from './components/ExperimentJson';
import { GateHeatmaps } from './components/GateHeatmaps';
import { LossChart } from './components/LossChart';
import { MetricGrid } from './components/MetricGrid';
import { ModelPanel } from './components/ModelPanel';
import { ModelReadouts } from './components/ModelReadouts';
import { RunPanel } from './components/RunPanel';
import { TestMetrics } from './components/TestMetrics';
import { TrainSettings } from './components/TrainSettings';
import { loadManifest } from './datasets';
import { useStore } from './store';

export default function App() {
  useEffect(() => {
    const { setDatasets, setDatasetsError, selectDataset } = useStore.getState();
    loadManifest().then(
      (list) => {
        setDatasets(list);
        // Start from the first bundled dataset so Train works straight away.
        if (list.length > 0 && useStore.getState().experiment.data.dataset === undefined)
          selectDataset(list[0].id);
      },
      (e: unknown) => setDatasetsError((e as Error).message),
    );
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <h1>MoE Playground</h1>
        <span className="tagline">
          multi-domain · multi-task · mixture-of-experts recommenders, trained in your browser
        </span>
      </header>
      <div className="layout">
        <aside className="sidebar">
          <DatasetPanel />
          <ModelPanel />
          <TrainSettings />
          <ExperimentJson />
        </aside>
        <main className="main">
          <RunPanel />
          <ErrorBox />
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
