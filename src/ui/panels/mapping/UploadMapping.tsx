import { distinctAs, type ColumnProfile, type ValueCount } from '../../../engine/data/profile';
import { readingOfRole, rolesFromMapping, type ColumnRole } from '../../../engine/data/propose';
import type { DataMapping } from '../../../engine/data/types';
import { fmtInt } from '../../common/format';
import { useStore, usesUpload } from '../../state/store';
import { setColumnRole } from './mappingEdit';
import { UploadSummary } from '../data/UploadStatus';
import { DataCheck } from './DataCheck';
import { DomainGroupingFields } from './DomainGroupingFields';
import { Panel } from '../../common/Panel';
import { SplitFields } from './SplitFields';
import { TaskList } from './TaskList';

const ROLES: { role: ColumnRole; label: string }[] = [
  { role: 'domain', label: 'domain' },
  { role: 'task', label: 'task (label)' },
  { role: 'numeric', label: 'numeric feature' },
  { role: 'categorical', label: 'categorical feature' },
  { role: 'hashed', label: 'hashed categorical' },
  { role: 'split', label: 'split column' },
  { role: 'ignore', label: 'ignore' },
];

const counted = (values: ValueCount[]) => values.map((t) => `${t.value} (${fmtInt(t.count)})`).join(', ');

/**
 * What a column holds, in a few words: its most frequent values, or its range when numeric, then its
 * missing-value markers (NA, null…), which count as missing or as a value by the column's role.
 */
function preview(p: ColumnProfile): string {
  const top = counted(p.top);
  const numericAll = p.numeric === p.rows - p.missing.number && p.min !== null && p.max !== null;
  const values = numericAll && p.distinct > p.top.length ? `${p.min} … ${p.max}; ${top}` : top;
  return p.markers.length > 0 ? `${values}; ${counted(p.markers)}` : values;
}

/**
 * The mapping step of an upload: a proposed role for every column with the reason, a preview of its values,
 * the tasks with their rules, domain grouping and the split — all editable — then a check of the result.
 */
export function UploadMapping() {
  const upload = useStore((s) => s.upload);
  const selected = useStore(usesUpload);
  const mapping = useStore((s) => s.experiment.data);
  const setMapping = useStore((s) => s.setMapping);
  const setUiError = useStore((s) => s.setUiError);
  const inspection = upload?.inspection;
  if (!selected || !inspection) return null;
  const { header, profile, proposal, layout } = inspection;
  const roles = rolesFromMapping(mapping, header);
  const reasons = new Map(proposal.roles.map((r) => [r.column, r]));
  const withFile = (m: DataMapping): DataMapping => ({
    ...m,
    path: inspection.name,
    sha256: inspection.sha256,
  });

  return (
    <Panel title={`Map the columns of ${inspection.name}`} className="upload-mapping" testId="upload-mapping">
      <UploadSummary />
      {layout && (
        <div className="layout-banner" data-testid="layout-banner">
          <span>
            Recognised layout: <strong>{layout.name}</strong>. {layout.description}
          </span>
          <button type="button" onClick={() => setMapping(withFile(layout.mapping))}>
            Use the {layout.name} mapping
          </button>
        </div>
      )}
      {proposal.problems.length > 0 && (
        <ul className="inline-error" data-testid="proposal-problems">
          {proposal.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="mapping-actions">
        <button type="button" onClick={() => setMapping(withFile(proposal.mapping))}>
          Reset to the proposal
        </button>
      </div>
      <div className="table-scroll">
        <table className="stats-table role-table" data-testid="role-table">
          <thead>
            <tr>
              <th>column</th>
              <th>role</th>
              <th>why proposed</th>
              <th>values (most frequent first)</th>
              <th title="distinct non-missing values">distinct</th>
              <th title="blank cells; in a numeric or task column also NA, N/A, null, NaN, None and ?">
                missing
              </th>
            </tr>
          </thead>
          <tbody>
            {roles.map((r) => {
              const p = profile.columns.find((c) => c.name === r.column);
              const proposed = reasons.get(r.column);
              // The encoder's definition for this role, so that Check data counts the same.
              const reading = readingOfRole(r.role);
              const missing = p ? p.missing[reading] : 0;
              return (
                <tr key={r.column} data-testid={`role-row-${r.column}`}>
                  <th>{r.column}</th>
                  <td>
                    <select
                      aria-label={`Role of ${r.column}`}
                      value={r.role}
                      onChange={(e) => {
                        // An edit that would leave no domain is refused with the engine's reason.
                        try {
                          setMapping(
                            setColumnRole(
                              mapping,
                              header,
                              profile.columns,
                              r.column,
                              e.target.value as ColumnRole,
                            ),
                          );
                        } catch (err) {
                          setUiError(
                            `Mapping: ${(err as Error).message}; make another column the domain instead`,
                          );
                        }
                      }}
                    >
                      {ROLES.map((o) => (
                        <option key={o.role} value={o.role}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="reason">
                    {proposed?.reason}
                    {proposed && proposed.role !== r.role && <em> (proposed: {proposed.role})</em>}
                  </td>
                  <td className="preview">{p ? preview(p) : ''}</td>
                  <td className="num">{p ? fmtInt(distinctAs(p, reading)) : ''}</td>
                  <td className={`num ${missing > 0 ? 'warn' : ''}`}>{p ? fmtInt(missing) : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <TaskList header={header} profiles={profile.columns} />
      <DomainGroupingFields profiles={profile.columns} />
      <SplitFields />
      <DataCheck />
    </Panel>
  );
}
