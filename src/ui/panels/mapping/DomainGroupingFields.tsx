import type { ColumnProfile } from '../../../engine/data/profile';
import type { DomainGrouping } from '../../../engine/data/types';
import { fmtInt } from '../../common/format';
import { useStore } from '../../state/store';
import { mappingKey } from '../../state/uploadSession';
import { DraftInput } from '../../common/DraftInput';

/** "18, 25, 35" → [18, 25, 35]; null when any entry is not a number or they do not ascend. */
export function parseBins(text: string): number[] | null | undefined {
  if (text.trim() === '') return undefined;
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v))) return null;
  return values.every((v, i) => i === 0 || v > values[i - 1]) ? values : null;
}

function parseMinRows(text: string): number | null | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

/**
 * The names shown for the domains (census: 0 → Female), once Check data has said which domains the mapping
 * gives. Display only: the encoding, the split and every metric stay on the values.
 */
function DomainNames() {
  const mapping = useStore((s) => s.experiment.data);
  const setMapping = useStore((s) => s.setMapping);
  const check = useStore((s) => s.upload?.check);
  if (check?.status !== 'done' || check.mappingKey !== mappingKey(mapping)) return null;
  const setName = (value: string, name: string) => {
    const names = { ...mapping.domainNames };
    if (name.trim() === '') delete names[value];
    else names[value] = name;
    const { domainNames: _old, ...rest } = mapping;
    setMapping(Object.keys(names).length > 0 ? { ...rest, domainNames: names } : rest);
  };
  return (
    <div className="domain-names" data-testid="domain-names">
      <span>Names shown for the domains</span>
      {check.report.domains.map((d) => (
        <label key={d}>
          <code>{d}</code>
          <input
            aria-label={`Name shown for domain ${d}`}
            value={mapping.domainNames?.[d] ?? ''}
            placeholder={d}
            onChange={(e) => setName(d, e.target.value)}
          />
        </label>
      ))}
    </div>
  );
}

/** Fewer, larger domains: numeric ranges (ages), and rare values merged into one "other" domain. */
export function DomainGroupingFields({ profiles }: { profiles: ColumnProfile[] }) {
  const mapping = useStore((s) => s.experiment.data);
  const setMapping = useStore((s) => s.setMapping);
  if (mapping.domain === '') return null;
  const column = profiles.find((p) => p.name === mapping.domain);
  const groups = mapping.domainGroups ?? {};
  const setGroups = (change: Partial<Record<keyof DomainGrouping, unknown>>) => {
    const next = { ...groups, ...change } as Record<string, unknown>;
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    const { domainGroups: _old, ...rest } = mapping;
    setMapping(Object.keys(next).length > 0 ? { ...rest, domainGroups: next as DomainGrouping } : rest);
  };
  return (
    <fieldset className="domain-grouping" data-testid="domain-grouping">
      <legend>
        Domains from <code>{mapping.domain}</code>
        {column && <> ({fmtInt(column.distinct)} values)</>}
      </legend>
      <label>
        Numeric ranges, cut at
        <DraftInput
          value={groups.bins as number[] | null | undefined}
          format={(v) => (Array.isArray(v) ? v.join(', ') : '')}
          parse={parseBins}
          onChange={(v) => setGroups({ bins: v })}
          invalid={groups.bins === null}
          testId="domain-bins"
          title="Ascending cut points, e.g. 18, 25, 35, 45, 56: a value goes to the range that holds it"
        />
      </label>
      <label>
        Merge values with fewer rows than
        <DraftInput
          value={groups.minRows as number | null | undefined}
          format={(v) => (typeof v === 'number' ? String(v) : '')}
          parse={parseMinRows}
          onChange={(v) => setGroups({ minRows: v })}
          invalid={groups.minRows === null}
          inputMode="numeric"
          testId="domain-min-rows"
        />
        into
        <input
          aria-label="Name of the merged domain"
          value={groups.other ?? ''}
          placeholder="other"
          onChange={(e) => setGroups({ other: e.target.value === '' ? undefined : e.target.value })}
        />
      </label>
      <DomainNames />
    </fieldset>
  );
}
