import { ChartOptions } from '../results/ChartOptions';
import { BackendInfo } from './BackendInfo';
import { DataSummary } from './DataSummary';
import { InterruptedNotice } from './InterruptedNotice';
import { RunControls } from './RunControls';
import { RunFlags } from './RunFlags';
import { RunProgress } from './RunProgress';

/**
 * The run strip at the top of the main area: controls and how the charts are drawn, progress, backend and the
 * data the worker loaded.
 */
export function RunPanel() {
  return (
    <section className="panel run-panel" data-testid="run-strip" aria-label="Run controls and progress">
      <div className="strip-top">
        <RunControls />
        <ChartOptions />
      </div>
      <RunProgress />
      <RunFlags />
      <div className="kv-row run-facts">
        <BackendInfo />
        <DataSummary />
      </div>
      <InterruptedNotice />
    </section>
  );
}
