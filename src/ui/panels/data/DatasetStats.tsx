import type { DatasetManifestEntry } from '../../../engine/synth/manifest';
import { fmtAuc, fmtInt, fmtRate } from '../../common/format';

/** Per domain × task: train rows, positive rate and the oracle test AUC (the best any model can reach). */
export function DatasetStats({ entry }: { entry: DatasetManifestEntry }) {
  return (
    <table className="stats-table" data-testid="dataset-stats">
      <thead>
        <tr>
          <th>domain</th>
          {entry.tasks.map((t) => (
            <th key={t} colSpan={3}>
              {t}
            </th>
          ))}
        </tr>
        <tr className="sub">
          <th />
          {entry.tasks.map((t) => (
            <Subheads key={t} />
          ))}
        </tr>
      </thead>
      <tbody>
        {entry.domains.map((d) => (
          <tr key={d}>
            <th>{d}</th>
            {entry.tasks.map((t) => {
              const cell = entry.stats.train[d]?.[t];
              return (
                <Cells
                  key={t}
                  rows={cell?.rows}
                  positives={cell?.positives}
                  oracle={entry.oracle.test.byCell[d]?.[t]}
                />
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Subheads() {
  return (
    <>
      <th title="rows in the train split">rows</th>
      <th title="positive rate in the train split">pos</th>
      <th title="oracle AUC on the test split (from the generator's true probabilities)">oracle</th>
    </>
  );
}

function Cells(props: { rows?: number; positives?: number; oracle?: number | null }) {
  const { rows, positives, oracle } = props;
  return (
    <>
      <td>{rows === undefined ? '–' : fmtInt(rows)}</td>
      <td>{rows === undefined || positives === undefined ? '–' : fmtRate(positives, rows)}</td>
      <td>{oracle === undefined ? '–' : fmtAuc(oracle)}</td>
    </>
  );
}
