import { useStore } from '../../state/store';

/**
 * A loaded experiment (link or JSON) that was run on an uploaded file the page does not hold: names the file
 * (and its SHA-256) to upload. Gone once an upload with that name and hash is there.
 */
export function PendingUploadNotice() {
  const pending = useStore((s) => s.pendingUpload);
  const inspected = useStore((s) => s.upload?.inspection ?? null);
  if (!pending) return null;
  const here =
    inspected !== null &&
    inspected.name === pending.name &&
    (pending.sha256 === null || pending.sha256 === inspected.sha256);
  if (here) return null;
  return (
    <div className="notice" role="status" data-testid="pending-upload">
      This experiment was run on the uploaded file <b>{pending.name}</b>
      {pending.sha256 && (
        <>
          {' '}
          (SHA-256 <code title={pending.sha256}>{pending.sha256.slice(0, 16)}…</code>)
        </>
      )}
      . Upload that file in the Dataset panel to run it; a file with other contents gives other results.
    </div>
  );
}
