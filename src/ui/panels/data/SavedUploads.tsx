import { fmtBytes, fmtInt } from '../../common/format';
import { useStore } from '../../state/store';
import { forgetSaved } from '../../workers/uploadClient';

/** Files kept in this browser from earlier uploads: reopen one without asking for it again, or remove it. */
export function SavedUploads({ onOpen }: { onOpen: (sha256: string) => void }) {
  const saved = useStore((s) => s.savedUploads);
  const current = useStore((s) => s.upload?.inspection?.sha256);
  const others = saved.filter((u) => u.sha256 !== current);
  if (others.length === 0) return null;
  return (
    <ul className="saved-uploads" aria-label="Kept uploads">
      {others.map((u) => (
        <li key={u.sha256} data-testid="saved-upload">
          <button
            type="button"
            className="link-button"
            onClick={() => onOpen(u.sha256)}
            title={`SHA-256 ${u.sha256}`}
          >
            {u.name}
          </button>
          <span className="muted">
            {' '}
            kept · {fmtInt(u.rows)} rows · {fmtBytes(u.bytes)}{' '}
          </span>
          <button
            type="button"
            className="link-button danger"
            aria-label={`Remove ${u.name} from this browser`}
            onClick={() => void forgetSaved(u.sha256)}
          >
            remove
          </button>
        </li>
      ))}
    </ul>
  );
}
