import { useState } from 'react';
import { PLAN_LIMITS } from '../../../engine/experiment';
import { fmtBytes } from '../../common/format';
import { FilePickButton } from '../../common/FilePickButton';
import { downloadText } from '../../persist/download';
import { formatJson } from '../../persist/json';
import { planDraftOf } from '../../state/plan';
import { loadPlan } from '../../persist/share';
import { useStore } from '../../state/store';

/**
 * The whole experiment as JSON (the bench's `--experiment` format): one configuration as `model`, a comparison
 * as `models`, and `seeds`. Copy or download it, or edit it (or load a file) and Apply. Only a valid plan is
 * applied; otherwise the error says what is wrong and nothing changes.
 */
export function ExperimentJson() {
  const experiment = useStore((s) => s.experiment);
  const compareModels = useStore((s) => s.compareModels);
  const seeds = useStore((s) => s.seeds);
  const setUiError = useStore((s) => s.setUiError);
  const [open, setOpen] = useState(false);
  // null: not edited, the text follows the form; a string: the person's edit, kept until Apply or Reset.
  const [edit, setEdit] = useState<string | null>(null);
  const text = edit ?? formatJson(planDraftOf({ experiment, compareModels, seeds }));

  /** Applies JSON text; `where` names its origin in the error. */
  const apply = (json: string, where: string): boolean => {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      setUiError(`${where}: not valid JSON: ${(e as Error).message}`);
      return false;
    }
    const problems = loadPlan(value);
    if (problems.length > 0) {
      setUiError(`${where}: ${problems.join('\n')}`);
      return false;
    }
    setEdit(null);
    return true;
  };

  const loadFile = (file: File) => {
    if (file.size > PLAN_LIMITS.jsonBytes) {
      setUiError(
        `${file.name}: ${fmtBytes(file.size)}, more than the ${fmtBytes(PLAN_LIMITS.jsonBytes)} a plan may be`,
      );
      return;
    }
    file.text().then(
      (json) => apply(json, file.name),
      (e: unknown) => setUiError(`${file.name}: could not be read: ${(e as Error).message}`),
    );
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
          <button
            type="button"
            className="primary"
            data-testid="apply-json"
            onClick={() => apply(text, 'Experiment JSON')}
          >
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
          <button
            type="button"
            data-testid="download-json"
            onClick={() => downloadText(text, 'experiment.json')}
          >
            Download
          </button>
          <FilePickButton
            label="Load file…"
            className=""
            accept=".json,application/json"
            inputTestId="load-json"
            title="Load an experiment or plan (.json), e.g. one downloaded here"
            onFile={loadFile}
          />
        </div>
      </div>
    </details>
  );
}
