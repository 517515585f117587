import type { DatasetManifestEntry } from '../../../engine/synth/manifest';
import { fmtAuc, fmtInt, fmtRate } from '../../common/format';

/**
 * Per domain: train rows, and per task the positive rate over the oracle test AUC (the best any model can
 * reach), two numbers stacked in one column per task so that five domains × three tasks fit the side column.
 */
export function DatasetStats({ entry }: { entry: DatasetManifestEntry }) {
  return (
    <table className="stats-table dataset-stats" data-testid="dataset-stats">
      <caption>
        Train split: rows, positive rate <span className="muted">and oracle test AUC</span> per domain × task
      </caption>
      <thead>
        <tr>
          <th scope="col">domain</th>
          <th scope="col">rows</th>
          {entry.tasks.map((t) => (
            <th key={t} scope="col">
              {t}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {entry.domains.map((d) => {
          // Labelled rows per task; a domain's rows are its most labelled task's (all of them without missing labels).
          const counts = entry.tasks.flatMap((t) => entry.stats.train[d]?.[t]?.rows ?? []);
          const rows = counts.length > 0 ? Math.max(...counts) : undefined;
          return (
            <tr key={d}>
              <th scope="row">{d}</th>
              <td>{rows === undefined ? '–' : fmtInt(rows)}</td>
              {entry.tasks.map((t) => {
                const cell = entry.stats.train[d]?.[t];
                const oracle = entry.oracle.test.byCell[d]?.[t];
                return (
                  <td
                    key={t}
                    title={`${d} × ${t}: positive rate in the train split; oracle AUC on the test split`}
                  >
                    {cell === undefined ? '–' : fmtRate(cell.positives, cell.rows)}
                    <span className="stacked muted">{oracle === undefined ? '–' : fmtAuc(oracle)}</span>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
