import type { ModelInfo } from '../../../engine/models/catalog';
import { optionProblems } from '../../state/formProblems';
import { useStore } from '../../state/store';
import { OptionField } from './OptionField';

/** The options form of any model, generated from its catalog entry: no per-model form code. */
export function OptionsForm({ info }: { info: ModelInfo }) {
  const options = useStore((s) => s.experiment.model.options);
  const setOption = useStore((s) => s.setOption);
  // Every invalid field at once, each said under its field.
  const problems = optionProblems(info, options);

  return (
    <div className="form-grid" data-testid="options-form">
      {info.options.map((spec) => (
        <OptionField
          key={spec.key}
          spec={spec}
          value={options[spec.key] ?? spec.default}
          problem={problems[spec.key] ?? null}
          onChange={(v) => setOption(spec.key, v)}
        />
      ))}
    </div>
  );
}
