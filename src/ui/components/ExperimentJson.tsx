import { useState } from 'react';
import { formatJson } from '../json';
import { useStore } from '../store';
import { checkExperiment } from '../validate';

/**
 * The whole experiment as JSON (the bench's `--experiment` format): copy it out, or edit it (the mapping has no
 * form) and Apply. Only a valid experiment is applied; otherwise the error says what is wrong and nothing changes.
 */
export function ExperimentJson() {
  const experiment = useStore((s) => s.experiment);
  const datasets = useStore((s) => s.datasets);
  const upload = useStore((s) => s.upload);
  const applyExperiment = useStore((s) => s.applyExperiment);
  const setUiError = useStore((s) => s.setUiError);
  const [open, setOpen] = useState(false);
  // null: not edited, the text follows the form; a string: the person's edit, kept until Apply or Reset.
  const [edit, setEdit] = useState<string | null>(null);
  const text = edit ?? formatJson(experiment);

  const apply = () => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      setUiError(`Experiment JSON: not valid JSON: ${(e as Error).message}`);
      return;
    }
    const checked = checkExperiment(json, datasets, upload);
    if (!checked.ok) {
      setUiError(`Experiment JSON: ${checked.problems.join('\n')}`);
      return;
    }
    applyExperiment(checked.experiment);
    setEdit(null);
  };

  return (
    <details className="panel json-panel" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="panel-head" data-testid="experiment-json-toggle">
        <h2>Experiment JSON</h2>
        <span className="panel-aside">
          {edit !== null ? 'edited — Apply or Reset' : 'same format as npm run bench'}
        </span>
      </summary>
      <div className="panel-body">
        <textarea
          data-testid="experiment-json"
          aria-label="Experiment JSON"
          spellCheck={false}
          rows={18}
          value={text}
          onChange={(e) => setEdit(e.target.value)}
        />
        <div className="button-row">
          <button type="button" className="primary" data-testid="apply-json" onClick={apply}>
            Apply
          </button>
          <button
            type="button"
            data-testid="reset-json"
            disabled={edit === null}
            onClick={() => setEdit(null)}
          >
            Reset
          </button>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(text)}>
            Copy
          </button>
        </div>
      </div>
    </details>
  );
}
