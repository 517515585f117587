import { fmtBytes, fmtInt } from '../../common/format';
import { useStore } from '../../state/store';
import { cancelUpload, forgetSaved } from '../../workers/uploadClient';

/** Reading progress with Cancel, or why reading failed (the data step: where the file was given). */
export function UploadStatus() {
  const upload = useStore((s) => s.upload);
  if (!upload) return null;
  const { phase, progress, error } = upload;
  if (phase === 'reading') {
    const read = progress?.bytesRead ?? 0;
    return (
      <div className="upload-status" data-testid="upload-progress">
        <label>
          Reading {upload.name}: {fmtBytes(read)} of {fmtBytes(upload.bytes)}
          <progress max={upload.bytes} value={read} />
        </label>
        <button type="button" onClick={cancelUpload}>
          Cancel
        </button>
      </div>
    );
  }
  if (phase === 'cancelled')
    return (
      <p className="muted" data-testid="upload-cancelled">
        Reading {upload.name} was cancelled; nothing was kept.
      </p>
    );
  if (phase === 'error' && error)
    return (
      <div className="inline-error" role="alert" data-testid="upload-error">
        <strong>{upload.name}</strong>: {error.message}
        {error.row !== undefined && <> (row {fmtInt(error.row)})</>}
        {error.column !== undefined && <> (column “{error.column}”)</>}
      </div>
    );
  return null;
}

/** What was read of the file (and what could not be used), over its mapping table. */
export function UploadSummary() {
  const upload = useStore((s) => s.upload);
  const inspection = upload?.inspection;
  if (!inspection) return null;
  const { skipped } = inspection;
  return (
    <div className="upload-status" data-testid="upload-summary">
      <p>
        <strong>{inspection.name}</strong>: {fmtInt(inspection.rows)} rows × {inspection.header.length}{' '}
        columns, read in {(inspection.parseMs / 1000).toFixed(1)} s. Kept in this browser{' '}
        <button
          type="button"
          className="link-button danger"
          onClick={() => void forgetSaved(inspection.sha256)}
        >
          remove
        </button>
      </p>
      {inspection.notes.map((note) => (
        <p key={note} className="warn-note" data-testid="upload-note">
          {note}
        </p>
      ))}
      {skipped.count > 0 && (
        <details className="skipped" data-testid="upload-skipped" open>
          <summary>
            {fmtInt(skipped.count)} row{skipped.count === 1 ? '' : 's'} could not be used and will be left out
          </summary>
          <ul>
            {skipped.examples.map((x) => (
              <li key={x.row}>
                row {fmtInt(x.row)}: {x.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
