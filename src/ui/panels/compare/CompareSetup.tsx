import { MODEL_CATALOG, defaultOptions } from '../../../engine/models/catalog';
import { plannedModel } from '../../state/plan';
import { useStore } from '../../state/store';
import { DraftInput, formatAny, parseNumberList } from '../../common/DraftInput';
import { FieldProblem } from '../../common/FieldProblem';
import { Step } from '../../common/Step';
import { seedsProblem } from '../../state/formProblems';

/** Value of a preset in the "Add preset" list: model id and preset name. */
const presetValue = (modelId: string, preset: string) => JSON.stringify([modelId, preset]);

/**
 * Step 5: the configurations Train runs side by side on one split, and the seeds each runs over. Empty list:
 * the model above is the one configuration.
 */
export function CompareSetup() {
  const models = useStore((s) => s.compareModels);
  const seeds = useStore((s) => s.seeds);
  const trainSeed = useStore((s) => s.experiment.train.seed);
  const current = useStore((s) => s.experiment.model);
  const { addCompareModel, removeCompareModel, setSeeds } = useStore.getState();
  const problem = seedsProblem(seeds);
  const seedCount = problem === null && Array.isArray(seeds) && seeds.length > 0 ? seeds.length : 1;
  const configCount = Math.max(1, models.length);
  const runs = configCount * seedCount;
  const summary = `${configCount} configuration${configCount > 1 ? 's' : ''} × ${seedCount} seed${seedCount > 1 ? 's' : ''}${runs > 1 ? ` = ${runs} runs` : ''}`;

  const addPreset = (value: string) => {
    const [modelId, name] = JSON.parse(value) as [string, string];
    const info = MODEL_CATALOG.find((m) => m.id === modelId);
    const preset = info?.presets.find((p) => p.name === name);
    if (info && preset)
      addCompareModel(plannedModel(modelId, { ...defaultOptions(info), ...structuredClone(preset.options) }));
  };

  return (
    <Step id="compare" index={5} title="Compare" summary={summary} problems={problem === null ? 0 : 1}>
      {models.length === 0 ? (
        <p className="muted">
          Train runs the model above. Add configurations to run several side by side on the same split.
        </p>
      ) : (
        <ul className="config-list" aria-label="Configurations to compare">
          {models.map((m) => (
            <li key={m.name} data-testid="compare-config">
              <span className="config-name">{m.name}</span>
              <button
                type="button"
                className="small"
                aria-label={`Remove configuration ${m.name}`}
                onClick={() => removeCompareModel(m.name)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="button-row">
        <button
          type="button"
          data-testid="add-current-config"
          onClick={() => addCompareModel(plannedModel(current.id, current.options))}
        >
          + Add model above
        </button>
      </div>
      <select
        className="add-preset"
        aria-label="Add a preset"
        data-testid="add-preset"
        value=""
        onChange={(e) => {
          if (e.target.value) addPreset(e.target.value);
        }}
      >
        <option value="">+ Add a preset…</option>
        {MODEL_CATALOG.map((m) => (
          <optgroup key={m.id} label={m.name}>
            {m.presets.map((p) => (
              <option key={p.name} value={presetValue(m.id, p.name)} title={p.description}>
                {m.name} · {p.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <div
        className="field seeds-field"
        title="Each configuration runs once per seed; the table shows mean ± std over them."
      >
        <label htmlFor="plan-seeds">
          Seeds <span className="hint">e.g. 1, 2, 3 — empty: the train seed ({String(trainSeed)})</span>
        </label>
        <DraftInput<unknown>
          id="plan-seeds"
          testId="plan-seeds"
          value={seeds}
          problemId={problem === null ? undefined : 'plan-seeds-problem'}
          inputMode="text"
          format={formatAny}
          parse={parseNumberList}
          onChange={setSeeds}
        />
        <FieldProblem id="plan-seeds-problem" problem={problem} />
      </div>
    </Step>
  );
}
