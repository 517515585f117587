import { optionErrors, type ModelInfo } from '../../../engine/models/catalog';
import { useStore } from '../../state/store';
import { OptionField } from './OptionField';

/** The options form of any model, generated from its catalog entry: no per-model form code. */
export function OptionsForm({ info }: { info: ModelInfo }) {
  const options = useStore((s) => s.experiment.model.options);
  const setOption = useStore((s) => s.setOption);
  const errors = optionErrors(info, options);
  // optionErrors names the option in quotes: that marks the field at fault.
  const isInvalid = (key: string) => errors.some((e) => e.includes(`"${key}"`));

  return (
    <>
      <div className="form-grid">
        {info.options.map((spec) => (
          <OptionField
            key={spec.key}
            spec={spec}
            value={options[spec.key] ?? spec.default}
            invalid={isInvalid(spec.key)}
            onChange={(v) => setOption(spec.key, v)}
          />
        ))}
      </div>
      {errors.length > 0 && (
        <ul className="inline-error" data-testid="option-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </>
  );
}
