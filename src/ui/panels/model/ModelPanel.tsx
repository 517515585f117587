import { defaultOptions, MODEL_CATALOG, modelInfo } from '../../../engine/models/catalog';
import { presetOf } from '../../state/plan';
import { useStore } from '../../state/store';
import { ModelInfo as ModelInfoView } from './ModelInfo';
import { OptionsForm } from './OptionsForm';
import { Panel } from '../../common/Panel';

/** Model choice, presets (with the chosen one's description), what the catalog says about it, and its options form. */
export function ModelPanel() {
  const modelId = useStore((s) => s.experiment.model.id);
  const options = useStore((s) => s.experiment.model.options);
  const selectModel = useStore((s) => s.selectModel);
  const setOptions = useStore((s) => s.setOptions);
  // The store only ever holds catalog ids (the JSON panel refuses others).
  const info = modelInfo(modelId);
  const preset = info.presets.find((p) => p.name === presetOf(info, options));

  return (
    <Panel title="Model">
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
            value={presetOf(info, options)}
            onChange={(e) => {
              const preset = info.presets.find((p) => p.name === e.target.value);
              if (preset) setOptions({ ...defaultOptions(info), ...structuredClone(preset.options) });
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
    </Panel>
  );
}
