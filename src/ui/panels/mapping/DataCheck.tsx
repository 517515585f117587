import type { CellReport, DataReport } from '../../../engine/data/checks';
import { SPLITS } from '../../../engine/data/types';
import { fmtInt } from '../../common/format';
import { domainName } from '../../state/names';
import { useStore } from '../../state/store';
import { mappingKey } from '../../state/uploadSession';
import { checkMapping } from '../../workers/uploadClient';

const fmtRate = (c: CellReport) =>
  c.positiveRate === null ? 'n/a' : `${(100 * c.positiveRate).toFixed(1)}%`;

/**
 * "Check data": the mapping encoded in the data worker, and what training would see — rows per domain,
 * positives per (domain, task) cell and split, vocabulary sizes, missing values — with every problem named.
 */
export function DataCheck() {
  const check = useStore((s) => s.upload?.check);
  const mapping = useStore((s) => s.experiment.data);
  if (!check) return null;
  const stale = check.status !== 'idle' && check.mappingKey !== mappingKey(mapping);
  return (
    <section className="data-check" data-testid="data-check">
      <div className="mapping-actions">
        <button
          type="button"
          data-testid="check-data"
          onClick={checkMapping}
          disabled={check.status === 'checking'}
        >
          {check.status === 'checking' ? 'Checking…' : 'Check data'}
        </button>
        {stale && <span className="muted">The mapping changed since this check.</span>}
      </div>
      {check.status === 'error' && (
        <p className="inline-error" role="alert" data-testid="check-error">
          {check.problem.message}
          {check.problem.row !== undefined && <> (row {fmtInt(check.problem.row)})</>}
        </p>
      )}
      {check.status === 'done' && <Report report={check.report} encodeMs={check.encodeMs} />}
    </section>
  );
}

function Report({ report, encodeMs }: { report: DataReport; encodeMs: number }) {
  const mapping = useStore((s) => s.experiment.data);
  const errors = report.issues.filter((i) => i.level === 'error');
  const warnings = report.issues.filter((i) => i.level === 'warning');
  return (
    <div data-testid="data-report">
      <p>
        {fmtInt(report.numRows)} rows usable · {report.domains.length} domains × {report.tasks.length} tasks ·
        encoded in {(encodeMs / 1000).toFixed(1)} s.{' '}
        {errors.length === 0
          ? 'Ready to train.'
          : `${errors.length} problem${errors.length > 1 ? 's' : ''} to fix first.`}
      </p>
      {report.issues.length > 0 && (
        <ul className="issues" data-testid="data-issues">
          {[...errors, ...warnings].map((i, k) => (
            <li key={k} className={i.level}>
              <strong>{i.level}</strong>: {i.message}
            </li>
          ))}
        </ul>
      )}
      <div className="table-scroll">
        <table className="stats-table" data-testid="cell-report">
          <thead>
            <tr>
              <th rowSpan={2}>domain</th>
              {SPLITS.map((s) => (
                <th key={s} colSpan={1 + report.tasks.length}>
                  {s}
                </th>
              ))}
            </tr>
            <tr className="sub">
              {SPLITS.map((s) => [
                <th key={`${s}-rows`}>rows</th>,
                ...report.tasks.map((t) => (
                  <th key={`${s}-${t}`} title={`positives / labelled rows of ${t}`}>
                    {t} pos
                  </th>
                )),
              ])}
            </tr>
          </thead>
          <tbody>
            {report.domains.map((d, di) => (
              <tr key={d}>
                <th title={`${mapping.domain} = ${d}`}>{domainName(mapping, d)}</th>
                {SPLITS.map((s) => [
                  <td key={`${s}-rows`} className="num">
                    {fmtInt(report.domainRows[s][di])}
                  </td>,
                  ...report.tasks.map((t, ti) => {
                    const c = report.cells[s][di][ti];
                    const flagged = report.issues.some(
                      (i) =>
                        i.domain === d &&
                        i.task === t &&
                        (s === 'train' ? i.level === 'error' : i.message.includes(`the ${s} split`)),
                    );
                    return (
                      <td
                        key={`${s}-${t}`}
                        className={`num ${flagged ? 'warn' : ''}`}
                        title={`${fmtInt(c.positives)} of ${fmtInt(c.labelled)}`}
                      >
                        {fmtInt(c.positives)} ({fmtRate(c)})
                      </td>
                    );
                  }),
                ])}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="check-columns">
        <div className="table-scroll short">
          <table className="stats-table" data-testid="vocab-report">
            <thead>
              <tr>
                <th>categorical field</th>
                <th>embedding rows</th>
                <th>distinct</th>
              </tr>
            </thead>
            <tbody>
              {report.fields.map((f) => (
                <tr key={f.column}>
                  <th>
                    {f.column}
                    {f.kind === 'hashed' && ' (hashed)'}
                  </th>
                  <td className="num">{fmtInt(f.size)}</td>
                  <td className={`num ${f.capped ? 'warn' : ''}`}>
                    {fmtInt(f.distinct)}
                    {f.capped && ` (${fmtInt(f.cappedValues)} capped)`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="table-scroll short">
          <table className="stats-table" data-testid="missing-report">
            <thead>
              <tr>
                <th>column</th>
                <th>missing</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(report.missing).map(([column, n]) => (
                <tr key={column}>
                  <th>{column}</th>
                  <td className={`num ${n > 0 ? 'warn' : ''}`}>{fmtInt(n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
