import { defaultOptions, MODEL_CATALOG, modelInfo } from '../../../engine/models/catalog';
import { ResetButton } from '../../common/ResetButton';
import { Step } from '../../common/Step';
import { optionProblems } from '../../state/formProblems';
import { presetOf } from '../../state/plan';
import { useStore } from '../../state/store';
import { ModelInfo as ModelInfoView } from './ModelInfo';
import { OptionsForm } from './OptionsForm';

/**
 * Step 3: model choice, presets (with the chosen one's description), what the catalog says about it, its
 * options form, and a way back to its defaults.
 */
export function ModelPanel() {
  const modelId = useStore((s) => s.experiment.model.id);
  const options = useStore((s) => s.experiment.model.options);
  const selectModel = useStore((s) => s.selectModel);
  const setOptions = useStore((s) => s.setOptions);
  // The store only ever holds catalog ids (the JSON panel refuses others).
  const info = modelInfo(modelId);
  const presetName = presetOf(info, options);
  const preset = info.presets.find((p) => p.name === presetName);
  const problems = Object.keys(optionProblems(info, options)).length;
  const defaults = defaultOptions(info);
  const atDefaults = info.options.every(
    (o) => JSON.stringify(options[o.key] ?? o.default) === JSON.stringify(defaults[o.key]),
  );

  return (
    <Step
      id="model"
      index={3}
      title="Model"
      summary={`${info.name} · ${presetName || 'custom options'}`}
      problems={problems}
    >
      <div className="form-grid">
        <div className="field">
          <label htmlFor="model-select">Model</label>
          <select
            id="model-select"
            data-testid="model-select"
            value={modelId}
            onChange={(e) => selectModel(e.target.value)}
          >
            {MODEL_CATALOG.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="preset-select">Preset</label>
          <select
            id="preset-select"
            data-testid="preset-select"
            value={presetName}
            onChange={(e) => {
              const chosen = info.presets.find((p) => p.name === e.target.value);
              if (chosen) setOptions({ ...defaultOptions(info), ...structuredClone(chosen.options) });
            }}
          >
            <option value="" disabled>
              custom
            </option>
            {info.presets.map((p) => (
              <option key={p.name} value={p.name} title={p.description}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="preset-description" data-testid="preset-description">
        {preset ? preset.description : 'Custom options: no preset matches.'}
      </p>
      <ModelInfoView info={info} />
      <OptionsForm info={info} />
      <ResetButton
        label={`Reset ${info.name} to defaults`}
        title={`Every option of ${info.name} back to its default`}
        testId="reset-model"
        atDefaults={atDefaults}
        onReset={() => setOptions(defaultOptions(info))}
      />
    </Step>
  );
}
