import { useState, type ReactElement } from 'react';
import type { DataIssue } from '../../../engine/data/checks';
import { trainPlan } from '../../workers/runClient';
import { useStore, usesUpload } from '../../state/store';
import { mappingKey, type UploadCheck } from '../../state/uploadSession';
import { checkMapping } from '../../workers/uploadClient';

/** The check of the mapping shown now once the data worker has finished it; null if the upload went away. */
function finishedCheck(key: string): Promise<UploadCheck | null> {
  return new Promise((resolve) => {
    const unsubscribe = useStore.subscribe((s) => {
      const check = s.upload?.check;
      if (check?.status === 'checking' && check.mappingKey === key) return;
      unsubscribe();
      resolve(check?.status === 'done' || check?.status === 'error' ? check : null);
    });
  });
}

/**
 * Train, for an upload, goes through Check data: a mapping not checked yet is checked first, and a check that
 * found errors (a leaking column, a train cell without positives…) asks before training on them, since the
 * numbers of such a run cannot be trusted. A check that fails outright trains anyway: the run then fails with
 * the same message, where the person is looking. Returns the Train action and the question to show.
 */
export function useCheckedTrain(): { train: () => void; confirm: ReactElement | null } {
  const [errors, setErrors] = useState<DataIssue[] | null>(null);
  const [checking, setChecking] = useState(false);

  const decide = (check: UploadCheck | null) => {
    const found = check?.status === 'done' ? check.report.issues.filter((i) => i.level === 'error') : [];
    if (found.length > 0) setErrors(found);
    else if (check !== null) trainPlan();
  };

  const train = () => {
    if (checking) return;
    const state = useStore.getState();
    const check = state.upload?.check;
    if (!usesUpload(state) || !check) return trainPlan();
    const key = mappingKey(state.experiment.data);
    const current = check.status !== 'idle' && check.mappingKey === key;
    if (current && check.status !== 'checking') return decide(check);
    if (!current) checkMapping();
    setChecking(true);
    void finishedCheck(key).then((c) => {
      setChecking(false);
      decide(c);
    });
  };

  let confirm: ReactElement | null = null;
  if (checking) confirm = <p className="muted">Checking the data before training…</p>;
  else if (errors)
    confirm = (
      <div role="alertdialog" aria-labelledby="data-error-title" data-testid="data-error-confirm">
        <p id="data-error-title" className="inline-error">
          Check data found {errors.length === 1 ? 'an error' : `${errors.length} errors`}: a model trained on
          this data gives numbers that cannot be trusted.
        </p>
        <ul className="issues">
          {errors.map((e) => (
            <li key={e.message} className="error">
              {e.message}
            </li>
          ))}
        </ul>
        <div className="button-row">
          <button type="button" onClick={() => setErrors(null)}>
            Cancel
          </button>
          <button
            type="button"
            data-testid="train-anyway"
            onClick={() => {
              setErrors(null);
              trainPlan();
            }}
          >
            Train anyway
          </button>
        </div>
      </div>
    );
  return { train, confirm };
}
