import { BackendInfo } from './BackendInfo';
import { DataSummary } from './DataSummary';
import { RunControls } from './RunControls';
import { RunFlags } from './RunFlags';
import { RunProgress } from './RunProgress';

/** The run strip: controls, backend, progress and the data the worker loaded. */
export function RunPanel() {
  return (
    <section className="panel run-panel">
      <RunControls />
      <BackendInfo />
      <RunProgress />
      <RunFlags />
      <DataSummary />
    </section>
  );
}
