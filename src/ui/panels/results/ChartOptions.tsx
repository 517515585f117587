import { useStore } from '../../state/store';

const SMOOTHING = [0, 0.6, 0.8, 0.9, 0.95, 0.99];

/** How the run's curves are drawn: x in steps or epochs (every chart), the loss smoothed and on a log scale. */
export function ChartOptions() {
  const { x, smoothing, logLoss } = useStore((s) => s.chartPrefs);
  const setChartPrefs = useStore((s) => s.setChartPrefs);
  return (
    <div className="chart-options" role="group" aria-label="Chart options">
      <span className="segmented" role="radiogroup" aria-label="x-axis of every chart">
        <span className="muted">x-axis</span>
        {(['step', 'epoch'] as const).map((unit) => (
          <button
            key={unit}
            type="button"
            role="radio"
            aria-checked={x === unit}
            className={x === unit ? 'selected' : undefined}
            data-testid={`x-${unit}`}
            onClick={() => setChartPrefs({ x: unit })}
          >
            {unit === 'step' ? 'steps' : 'epochs'}
          </button>
        ))}
      </span>
      <label>
        loss smoothing
        <select
          data-testid="loss-smoothing"
          value={smoothing}
          onChange={(e) => setChartPrefs({ smoothing: Number(e.target.value) })}
        >
          {SMOOTHING.map((w) => (
            <option key={w} value={w}>
              {w === 0 ? 'off' : `EMA ${w}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="loss-log"
          checked={logLoss}
          onChange={(e) => setChartPrefs({ logLoss: e.target.checked })}
        />
        log scale (loss)
      </label>
    </div>
  );
}
