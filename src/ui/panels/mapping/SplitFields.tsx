import { DEFAULT_SPLIT_RATIOS, DEFAULT_SPLIT_SEED } from '../../../engine/data/split';
import { useStore } from '../../state/store';
import { DraftInput } from '../../common/DraftInput';

const SPLITS = ['train', 'valid', 'test'] as const;

function parseRatio(text: string): number {
  const n = Number(text);
  return text.trim() !== '' && n >= 0 ? n : NaN;
}

/** The split: the file's own split column, or a seeded random split with chosen ratios. */
export function SplitFields() {
  const mapping = useStore((s) => s.experiment.data);
  const setMapping = useStore((s) => s.setMapping);
  if (mapping.split)
    return (
      <p className="split-fields" data-testid="split-fields">
        Split: the file&apos;s column <code>{mapping.split}</code> (train / valid / test). Set its role to
        “ignore” for a random split instead.
      </p>
    );
  const ratios = mapping.splitRatios ?? DEFAULT_SPLIT_RATIOS;
  const seed = mapping.splitSeed ?? DEFAULT_SPLIT_SEED;
  return (
    <fieldset className="split-fields" data-testid="split-fields">
      <legend>Seeded random split</legend>
      {SPLITS.map((name, i) => (
        <label key={name}>
          {name}
          <DraftInput
            value={ratios[i]}
            format={String}
            parse={parseRatio}
            inputMode="decimal"
            invalid={Number.isNaN(ratios[i])}
            testId={`split-ratio-${name}`}
            onChange={(v) => {
              const next = [...ratios] as [number, number, number];
              next[i] = v;
              setMapping({ ...mapping, splitRatios: next });
            }}
          />
        </label>
      ))}
      <label>
        seed
        <DraftInput
          value={seed}
          format={String}
          parse={(t) => (/^-?\d+$/.test(t.trim()) ? Number(t) : NaN)}
          inputMode="numeric"
          invalid={!Number.isInteger(seed)}
          testId="split-seed"
          onChange={(v) => setMapping({ ...mapping, splitSeed: v })}
        />
      </label>
    </fieldset>
  );
}
