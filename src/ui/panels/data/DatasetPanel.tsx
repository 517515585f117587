import { useState } from 'react';
import { FilePickButton } from '../../common/FilePickButton';
import { fmtBytes, fmtInt } from '../../common/format';
import { Step } from '../../common/Step';
import { selectedDataset, useStore, usesUpload, type AppState } from '../../state/store';
import { openFile, reopenSaved } from '../../workers/uploadClient';
import { DatasetStats } from './DatasetStats';
import { SavedUploads } from './SavedUploads';
import { UploadStatus } from './UploadStatus';

/** Extensions the picker offers; the parser itself sniffs the delimiter and gzip, whatever the name says. */
const ACCEPT = '.csv,.tsv,.txt,.gz,text/csv,text/tab-separated-values,text/plain,application/gzip';

/** The data step's one line: the dataset or file the experiment reads, or what is happening to the upload. */
function dataSummary(s: AppState): string {
  const dataset = selectedDataset(s);
  if (dataset)
    return `${dataset.name} · ${fmtInt(dataset.rows)} rows · ${dataset.domains.length} domains × ${dataset.tasks.length} tasks`;
  const { upload } = s;
  const path = s.experiment.data.path;
  if (upload && upload.name === path) {
    if (upload.phase === 'reading') {
      const read = upload.progress?.bytesRead ?? 0;
      return `reading ${upload.name}… ${upload.bytes > 0 ? Math.floor((100 * read) / upload.bytes) : 0}%`;
    }
    if (upload.inspection)
      return `${upload.name} · ${fmtInt(upload.inspection.rows)} rows × ${upload.inspection.header.length} columns`;
  }
  return path !== undefined ? `${path} (not read yet)` : 'choose a dataset or upload a file';
}

/** Step 1: the bundled datasets, the files kept from earlier uploads, and a new upload (picker or drag and drop). */
export function DatasetPanel() {
  const datasets = useStore((s) => s.datasets);
  const error = useStore((s) => s.datasetsError);
  const selected = useStore(selectedDataset);
  const upload = useStore((s) => s.upload);
  const uploadSelected = useStore(usesUpload);
  const summary = useStore(dataSummary);
  const { selectDataset, selectUpload } = useStore.getState();
  const [dragging, setDragging] = useState(false);

  const onFile = (file: File | undefined) => {
    if (file) void openFile(file, file.name);
  };

  return (
    <Step id="data" index={1} title="Data" summary={summary} problems={error ? 1 : 0}>
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
        <div className="upload-row">
          <FilePickButton
            label="Upload CSV…"
            accept={ACCEPT}
            inputTestId="dataset-upload"
            title="A .csv, .tsv or .txt file, optionally gzip-compressed"
            onFile={onFile}
          />
          <span className="muted drop-hint">
            or drop a .csv, .tsv or .txt file (gzip too) here. It stays on this machine.
          </span>
        </div>
      </div>
      <UploadStatus />
      {selected && (
        <>
          <p className="dataset-description">{selected.description}</p>
          <DatasetStats entry={selected} />
        </>
      )}
    </Step>
  );
}
