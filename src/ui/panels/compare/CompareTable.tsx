import type { Summary } from '../../../engine/metrics/compare';
import { fmtInt, fmtRateValue } from '../../common/format';
import { domainName } from '../../state/names';
import { METRICS, type CompareTable as Table, type CompareValue, type MetricName } from './compareTable';

/** "0.7123 ± 0.0040" over several seeds, "0.7123" for one. */
export function fmtSummary(s: Summary, digits = 4): string {
  if (s.mean === null) return 'n/a';
  return s.std === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

const NOISE_TITLE =
  'the gap to the best is within seed noise: |Δ mean| ≤ 2 standard errors of the difference over the seeds';

/**
 * Test AUC and logloss per (domain, task) cell and per task, one column per configuration (mean ± std over its
 * seeds): the best of each row in bold with ★, a gap to it within seed noise marked ≈; then size and speed.
 * Cells run down and configurations across, with a fixed layout that wraps long names: the table fits its
 * panel whatever the number of cells.
 */
export function CompareTable({ table, domainNames }: { table: Table; domainNames?: Record<string, string> }) {
  const { columns, rows } = table;
  const tasks = [...new Set(columns.map((c) => c.task))];
  const facts: { label: string; title?: string; value: (r: Table['rows'][number]) => string }[] = [
    { label: 'seeds', value: (r) => r.seeds.join(', ') },
    { label: 'params', value: (r) => (r.params === null ? '–' : fmtInt(r.params)) },
    { label: 'ms/step', value: (r) => fmtSummary(r.msPerStep, 1) },
    {
      label: 'samples/s',
      value: (r) => (r.samplesPerSecond.mean === null ? '–' : fmtRateValue(r.samplesPerSecond.mean)),
    },
    { label: 'backend', value: (r) => r.backends.join(', ') || '–' },
  ];
  return (
    <table className="compare-table" data-testid="compare-table">
      <colgroup>
        <col className="compare-label-col" />
        {rows.map((r) => (
          <col key={r.name} />
        ))}
      </colgroup>
      <thead>
        <tr>
          <th scope="col">test split</th>
          {rows.map((r) => (
            <th
              key={r.name}
              scope="col"
              className="config-name"
              data-testid="compare-config-col"
              data-name={r.name}
            >
              {r.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {tasks.flatMap((t) => [
          <tr key={`task-${t}`} className="task-head">
            <th colSpan={rows.length + 1} scope="colgroup">
              {t}
            </th>
          </tr>,
          ...columns.flatMap((c, ci) =>
            c.task !== t
              ? []
              : [
                  <tr key={c.key} className={c.domain === null ? 'task-total' : undefined}>
                    <th scope="row">
                      {c.domain === null ? 'all domains' : domainName({ domainNames }, c.domain)}
                    </th>
                    {rows.map((r, ri) => (
                      <td key={r.name} data-testid={`compare-${ri}-${ci}`}>
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
                  </tr>,
                ],
          ),
        ])}
        <tr className="task-head">
          <th colSpan={rows.length + 1} scope="colgroup">
            size and speed
          </th>
        </tr>
        {facts.map((f) => (
          <tr key={f.label}>
            <th scope="row">{f.label}</th>
            {rows.map((r) => (
              <td key={r.name}>{f.value(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
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
      title={noise ? NOISE_TITLE : value.best ? `best ${metric} of this row` : undefined}
    >
      {metric === 'logloss' && <span className="muted">logloss </span>}
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
