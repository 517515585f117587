import { fmtBytes, fmtInt } from '../format';
import { selectedDataset, useStore, usesUpload } from '../store';
import { readUpload } from '../upload';
import { DatasetStats } from './DatasetStats';
import { Panel } from './Panel';

/** The bundled datasets and an uploaded CSV; picking one sets the experiment's mapping for it. */
export function DatasetPanel() {
  const datasets = useStore((s) => s.datasets);
  const error = useStore((s) => s.datasetsError);
  const selected = useStore(selectedDataset);
  const upload = useStore((s) => s.upload);
  const uploadSelected = useStore(usesUpload);
  const { selectDataset, selectUpload, setUpload, setUiError } = useStore.getState();

  const onFile = (file: File | undefined) => {
    if (file) readUpload(file).then(setUpload, (e: unknown) => setUiError(`Upload: ${(e as Error).message}`));
  };

  return (
    <Panel
      title="Dataset"
      aside={
        <label
          className="button-like"
          title="A CSV (or .csv.gz) with a domain column and 0/1 (or rule-mapped) task columns"
        >
          Upload CSV…
          <input
            type="file"
            hidden
            accept=".csv,.gz,.txt,text/csv"
            data-testid="dataset-upload"
            onChange={(e) => {
              onFile(e.target.files?.[0]);
              // Picking the same file again after editing it should read it again.
              e.target.value = '';
            }}
          />
        </label>
      }
    >
      {error && <p className="inline-error">{error}</p>}
      {!error && datasets.length === 0 && <p className="muted">Loading the dataset list…</p>}
      <div className="dataset-list" role="listbox" aria-label="Datasets">
        {datasets.map((d) => (
          <button
            key={d.id}
            type="button"
            role="option"
            aria-selected={d.id === selected?.id}
            className={`dataset-item ${d.id === selected?.id ? 'selected' : ''}`}
            data-testid={`dataset-${d.id}`}
            onClick={() => selectDataset(d.id)}
            title={d.description}
          >
            <span className="dataset-name">{d.name}</span>
            <span className="dataset-meta">
              {fmtInt(d.rows)} rows · {d.domains.length} domains · {d.tasks.length} tasks ·{' '}
              {fmtBytes(d.bytes)}
            </span>
          </button>
        ))}
        {upload && (
          <button
            type="button"
            role="option"
            aria-selected={uploadSelected}
            className={`dataset-item ${uploadSelected ? 'selected' : ''}`}
            data-testid="dataset-uploaded"
            onClick={selectUpload}
          >
            <span className="dataset-name">{upload.name}</span>
            <span className="dataset-meta">
              uploaded · {upload.header.length} columns · {fmtBytes(upload.bytes)} — edit the mapping in
              Experiment JSON
            </span>
          </button>
        )}
      </div>
      {selected && (
        <>
          <p className="dataset-description">{selected.description}</p>
          <DatasetStats entry={selected} />
        </>
      )}
      {uploadSelected && upload && (
        <p className="dataset-description">
          Columns: <code>{upload.header.join(', ')}</code>
        </p>
      )}
    </Panel>
  );
}
