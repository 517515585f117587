import type { Summary } from '../../../engine/metrics/compare';
import { fmtInt, fmtRateValue } from '../../common/format';
import { METRICS, type CompareTable as Table, type CompareValue, type MetricName } from './compareTable';

/** "0.7123 ± 0.0040" over several seeds, "0.7123" for one. */
export function fmtSummary(s: Summary, digits = 4): string {
  if (s.mean === null) return 'n/a';
  return s.std === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

const NOISE_TITLE =
  'the gap to the best is within seed noise: |Δ mean| ≤ 2 standard errors of the difference over the seeds';

/**
 * Test AUC and logloss per (domain, task) cell and per task, one row per configuration (mean ± std over its
 * seeds): the best of each column in bold with ★, a gap to it within seed noise marked ≈. Then speed and size.
 */
export function CompareTable({ table }: { table: Table }) {
  const { columns, rows } = table;
  const tasks = [...new Set(columns.map((c) => c.task))];
  return (
    <div className="compare-table-wrap">
      <table className="compare-table" data-testid="compare-table">
        <thead>
          <tr>
            <th rowSpan={2}>configuration</th>
            <th rowSpan={2}>seeds</th>
            {tasks.map((t) => (
              <th key={t} colSpan={columns.filter((c) => c.task === t).length}>
                {t}
              </th>
            ))}
            <th rowSpan={2}>params</th>
            <th rowSpan={2}>ms/step</th>
            <th rowSpan={2}>samples/s</th>
            <th rowSpan={2}>backend</th>
          </tr>
          <tr className="sub">
            {columns.map((c) => (
              <th key={c.key} className={c.domain === null ? 'task-total' : undefined}>
                {c.domain ?? 'all domains'}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, ri) => (
            <tr key={r.name} data-testid="compare-row" data-name={r.name}>
              <th className="config-name">{r.name}</th>
              <td title={`seeds ${r.seeds.join(', ')}`}>{r.seeds.length}</td>
              {columns.map((c, ci) => (
                <td
                  key={c.key}
                  className={c.domain === null ? 'task-total' : undefined}
                  data-testid={`compare-${ri}-${ci}`}
                >
                  {METRICS.map((m) => (
                    <MetricValue
                      key={m}
                      metric={m}
                      value={r.values[ci][m]}
                      testId={`compare-${ri}-${ci}-${m}`}
                    />
                  ))}
                </td>
              ))}
              <td>{r.params === null ? '–' : fmtInt(r.params)}</td>
              <td>{fmtSummary(r.msPerStep, 1)}</td>
              <td>{r.samplesPerSecond.mean === null ? '–' : fmtRateValue(r.samplesPerSecond.mean)}</td>
              <td>{r.backends.join(', ') || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MetricValue({ metric, value, testId }: { metric: MetricName; value: CompareValue; testId: string }) {
  const noise = value.vsBest === 'within-noise';
  return (
    <div
      className={`compare-${metric}${value.best ? ' best' : ''}`}
      data-testid={testId}
      data-best={value.best}
      data-noise={value.vsBest ?? undefined}
      title={noise ? NOISE_TITLE : value.best ? `best ${metric} of this column` : undefined}
    >
      {metric === 'logloss' && <span className="muted">ll </span>}
      {fmtSummary(value.summary)}
      {value.best && (
        <span className="best-mark" aria-label="best">
          {' '}
          ★
        </span>
      )}
      {noise && (
        <span className="noise-mark" aria-label="within seed noise of the best">
          {' '}
          ≈
        </span>
      )}
    </div>
  );
}
