import { AucCharts } from './AucCharts';
import { GateHeatmaps } from './GateHeatmaps';
import { LossChart } from './LossChart';
import { MetricGrid } from './MetricGrid';
import { ModelReadouts } from './ModelReadouts';
import { TestMetrics } from './TestMetrics';

/**
 * The selected run: loss and gates on the left, AUC per (domain, task) cell on the right, all in the first
 * screen; the metric tables and the model's own readouts below.
 */
export function RunView() {
  return (
    <div className="run-view" data-testid="run-view">
      <div className="area-loss">
        <LossChart />
      </div>
      <div className="area-auc">
        <AucCharts />
      </div>
      <div className="area-gates">
        <GateHeatmaps />
      </div>
      <div className="area-metrics">
        <TestMetrics />
        <MetricGrid />
        <ModelReadouts />
      </div>
    </div>
  );
}
