import { useStore } from '../../state/store';

const TITLES = {
  'loss-growth': 'Diverging',
  'chance-level': 'At chance',
  'possible-leak': 'Possible leak',
} as const;

/** The trainer's warnings on the current run: numbers that look fine but may not be. */
export function RunFlags() {
  const flags = useStore((s) => s.run?.flags ?? null);
  if (!flags || flags.length === 0) return null;
  return (
    <ul className="run-flags" data-testid="run-flags" aria-label="Warnings on this run">
      {flags.map((f, i) => (
        <li key={i} className="run-flag" data-kind={f.kind}>
          <strong>{TITLES[f.kind]}:</strong> {f.message}
        </li>
      ))}
    </ul>
  );
}
