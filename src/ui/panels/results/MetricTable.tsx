import type { EvalReport, SliceMetrics } from '../../../engine/train/report';
import type { OracleSplit } from '../../../engine/synth/manifest';
import { fmtAuc, fmtGap, fmtInt, fmtLoss, fmtRate } from '../../common/format';

/**
 * Metrics of one evaluation as domains × tasks, plus an "all domains" row per task. Each cell: AUC (with the
 * oracle AUC and the gap to it where known), logloss, rows and positive rate. Cells are
 * `<prefix>-<domain>-<task>`; `labels` are the domains as shown (their names), `domains` their values.
 */
export function MetricTable(props: {
  report: EvalReport;
  domains: string[];
  labels: string[];
  tasks: string[];
  oracle: OracleSplit | null;
  cellTestId: string;
}) {
  const { report, domains, labels, tasks, oracle, cellTestId } = props;
  return (
    <table className="metric-table">
      <thead>
        <tr>
          <th />
          {tasks.map((t) => (
            <th key={t}>{t}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {domains.map((d, di) => (
          <tr key={d}>
            <th title={labels[di] === d ? undefined : `domain value ${d}`}>{labels[di] ?? d}</th>
            {tasks.map((t, ti) => (
              <MetricCell
                key={t}
                m={report.byCell[di]?.[ti]}
                oracle={oracle?.byCell[d]?.[t]}
                testId={`${cellTestId}-${di}-${ti}`}
              />
            ))}
          </tr>
        ))}
        <tr className="total-row">
          <th>all domains</th>
          {tasks.map((t, ti) => (
            <MetricCell
              key={t}
              m={report.byTask[ti]}
              oracle={oracle?.byTask[t]}
              testId={`${cellTestId}-all-${ti}`}
            />
          ))}
        </tr>
      </tbody>
    </table>
  );
}

function MetricCell(props: {
  m: SliceMetrics | undefined;
  oracle: number | null | undefined;
  testId: string;
}) {
  const { m, oracle, testId } = props;
  if (!m) return <td data-testid={testId}>–</td>;
  const gap = m.auc !== null && typeof oracle === 'number' ? m.auc - oracle : null;
  return (
    <td data-testid={testId} className="metric-cell">
      <div className="auc" data-testid={`${testId}-auc`}>
        {fmtAuc(m.auc)}
      </div>
      {gap !== null && (
        <div className="gap" data-testid={`${testId}-gap`}>
          oracle {fmtAuc(oracle)} · gap {fmtGap(gap)}
        </div>
      )}
      <div className="sub">
        <span>logloss {fmtLoss(m.logloss)}</span>
        <span title="rows">{fmtInt(m.rows)} rows</span>
        <span title="positive rate">{fmtRate(m.positives, m.rows)} pos</span>
      </div>
    </td>
  );
}
