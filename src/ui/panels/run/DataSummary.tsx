import { fmtInt } from '../../common/format';
import { useStore } from '../../state/store';

/**
 * What the worker made of the file: rows per split, vocabulary, and rows it could not use (never silently); and
 * whether the run parsed the file itself or was handed an earlier run's parse.
 */
export function DataSummary() {
  const data = useStore((s) => s.run?.data ?? null);
  const datasetName = useStore((s) => s.run?.datasetName ?? null);
  if (!data) return null;
  const { train, valid, test } = data.splitRows;
  return (
    <>
      <span data-testid="data-summary">
        <b>{datasetName}</b>: {fmtInt(data.rows)} rows (train {fmtInt(train)} · valid {fmtInt(valid)} · test{' '}
        {fmtInt(test)}) · {data.domains.length} domains × {data.tasks.length} tasks · vocab{' '}
        {fmtInt(data.vocabSize)}
      </span>
      {data.sharedFrom !== undefined && (
        <span
          data-testid="data-shared"
          title="The file was read and encoded once for the runs of this comparison"
        >
          data shared from the parse of run “{data.sharedFrom}”
        </span>
      )}
      {data.skipped.count > 0 && (
        <span
          className="warn"
          title={data.skipped.examples.map((x) => `row ${x.row}: ${x.reason}`).join('\n')}
        >
          {fmtInt(data.skipped.count)} rows skipped (first: row {data.skipped.examples[0]?.row}:{' '}
          {data.skipped.examples[0]?.reason})
        </span>
      )}
    </>
  );
}
