import type { DataMapping } from '../../../engine/data/types';
import { Step } from '../../common/Step';
import { useStore, usesUpload } from '../../state/store';

/** The mapping in one line: the domain column (and its grouping), the tasks, the features, the split. */
export function mappingSummary(m: DataMapping): string {
  if (m.domain === '') return 'no domain column yet';
  const g = m.domainGroups;
  const grouping = [
    g?.bins ? `ranges cut at ${g.bins.join(', ')}` : '',
    g?.minRows !== undefined ? `rare values merged` : '',
  ]
    .filter((x) => x !== '')
    .join(', ');
  const domain = `domain ${m.domain}${grouping ? ` (${grouping})` : ''}`;
  const tasks =
    m.tasks.length === 0
      ? 'no task yet'
      : `${m.tasks.length} task${m.tasks.length > 1 ? 's' : ''} (${m.tasks.map((t) => t.name).join(', ')})`;
  const categorical = m.categorical ?? [];
  const count = (m.numeric?.length ?? 0) + categorical.length + (m.hashed?.length ?? 0);
  const features = categorical.length === 0 ? 'every other column a feature' : `${count} features`;
  const split = m.split !== undefined ? `split column ${m.split}` : 'seeded split';
  return [domain, tasks, features, split].join(' · ');
}

/**
 * Step 2: the column mapping. Its one-line summary always; open, the rules of each task and, for an upload, the
 * way to the mapping table, which needs the width of the main area.
 */
export function MappingStep() {
  const mapping = useStore((s) => s.experiment.data);
  const upload = useStore(usesUpload);
  const checked = useStore((s) => s.upload?.check.status === 'done' && s.upload.check.report);
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  const problems = (mapping.domain === '' ? 1 : 0) + (mapping.tasks.length === 0 ? 1 : 0);
  const errors = checked ? checked.issues.filter((i) => i.level === 'error').length : 0;
  return (
    <Step id="mapping" index={2} title="Mapping" summary={mappingSummary(mapping)} problems={problems}>
      <p className="step-text">
        Domain column <code>{mapping.domain || '–'}</code>; tasks:
      </p>
      <ul className="task-rules">
        {mapping.tasks.map((t) => (
          <li key={t.name}>
            <b>{t.name}</b> = <code>{t.column}</code> {t.rule}
          </li>
        ))}
      </ul>
      {upload ? (
        <>
          <p className="step-text muted">
            {checked
              ? `Checked: ${errors === 0 ? 'ready to train' : `${errors} problem${errors > 1 ? 's' : ''} to fix`}.`
              : 'Not checked yet: Check data in the mapping table shows what training would see.'}
          </p>
          <button
            type="button"
            className="small"
            data-testid="open-mapping"
            disabled={view === 'mapping'}
            onClick={() => setView('mapping')}
          >
            {view === 'mapping' ? 'The mapping table is open' : 'Open the mapping table'}
          </button>
        </>
      ) : (
        <p className="step-text muted">
          The bundled dataset&apos;s own mapping (its oracle AUCs hold for it). Change it in Experiment JSON,
          or upload a file to map its columns.
        </p>
      )}
    </Step>
  );
}
