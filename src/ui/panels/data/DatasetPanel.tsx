import { useState } from 'react';
import { fmtBytes, fmtInt } from '../../common/format';
import { selectedDataset, useStore, usesUpload } from '../../state/store';
import { openFile, reopenSaved } from '../../workers/uploadClient';
import { DatasetStats } from './DatasetStats';
import { Panel } from '../../common/Panel';
import { SavedUploads } from './SavedUploads';
import { UploadStatus } from './UploadStatus';

/** Extensions the picker offers; the parser itself sniffs the delimiter and gzip, whatever the name says. */
const ACCEPT = '.csv,.tsv,.txt,.gz,text/csv,text/tab-separated-values,text/plain,application/gzip';

/** The bundled datasets, the files kept from earlier uploads, and a new upload (picker or drag and drop). */
export function DatasetPanel() {
  const datasets = useStore((s) => s.datasets);
  const error = useStore((s) => s.datasetsError);
  const selected = useStore(selectedDataset);
  const upload = useStore((s) => s.upload);
  const uploadSelected = useStore(usesUpload);
  const { selectDataset, selectUpload } = useStore.getState();
  const [dragging, setDragging] = useState(false);

  const onFile = (file: File | undefined) => {
    if (file) void openFile(file, file.name);
  };

  return (
    <Panel
      title="Dataset"
      aside={
        <label className="button-like" title="A .csv, .tsv or .txt file, optionally gzip-compressed">
          Upload CSV…
          <input
            type="file"
            hidden
            accept={ACCEPT}
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
      <div
        className={`drop-zone ${dragging ? 'dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          onFile(e.dataTransfer.files[0]);
        }}
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
          {upload?.inspection && (
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
                uploaded · {fmtInt(upload.inspection.rows)} rows · {upload.inspection.header.length} columns ·{' '}
                {fmtBytes(upload.bytes)}
              </span>
            </button>
          )}
        </div>
        <SavedUploads onOpen={(sha) => void reopenSaved(sha)} />
        <p className="muted drop-hint">
          Drop a .csv, .tsv or .txt file (gzip too) here. It stays on this machine.
        </p>
      </div>
      <UploadStatus />
      {selected && (
        <>
          <p className="dataset-description">{selected.description}</p>
          <DatasetStats entry={selected} />
        </>
      )}
    </Panel>
  );
}
