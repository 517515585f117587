import { useState } from 'react';
import { IMPORT_LIMITS } from '../../../engine/io/runFiles';
import { FilePickButton } from '../../common/FilePickButton';
import { fmtBytes } from '../../common/format';
import { importRun } from '../../workers/runClient';
import { useStore } from '../../state/store';
import { Panel } from '../../common/Panel';

/**
 * A run exported here (.zip: weights, schema, metrics, environment) brought back: scored on the selected
 * dataset, or trained further with the settings above. The worker checks that the weights fit and says what
 * does not; the result is a run like any other (listed, compared, exported).
 */
export function ImportPanel() {
  const [picked, setPicked] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const setUiError = useStore((s) => s.setUiError);

  const onFile = (file: File) => {
    if (file.size > IMPORT_LIMITS.zipBytes) {
      setUiError(
        `${file.name}: ${fmtBytes(file.size)}, more than the ${fmtBytes(IMPORT_LIMITS.zipBytes)} a run may be`,
      );
      return;
    }
    file.arrayBuffer().then(
      (buffer) => setPicked({ name: file.name, bytes: new Uint8Array(buffer) }),
      (e: unknown) => setUiError(`${file.name}: could not be read: ${(e as Error).message}`),
    );
  };

  return (
    <Panel
      title="Import"
      testId="import-panel"
      aside={
        <FilePickButton
          label="Import model .zip…"
          accept=".zip,application/zip"
          inputTestId="import-zip"
          title="A .zip exported by this playground (Export .zip)"
          onFile={onFile}
        />
      }
    >
      {picked === null ? (
        <p className="muted">
          Bring back an exported run to evaluate it on the selected dataset or train it further.
        </p>
      ) : (
        <>
          <p className="import-file" data-testid="import-file">
            <b>{picked.name}</b> <span className="muted">({fmtBytes(picked.bytes.byteLength)})</span>
          </p>
          <div className="button-row">
            <button
              type="button"
              className="primary"
              data-testid="import-evaluate"
              title="Score the imported weights on the valid and test splits of the selected dataset (with the zip's mapping)"
              onClick={() => importRun(picked.bytes, picked.name, 'evaluate')}
            >
              Evaluate
            </button>
            <button
              type="button"
              data-testid="import-continue"
              title="Train the imported weights further, with the training settings above"
              onClick={() => importRun(picked.bytes, picked.name, 'continue')}
            >
              Train further
            </button>
            <button type="button" onClick={() => setPicked(null)}>
              Clear
            </button>
          </div>
        </>
      )}
    </Panel>
  );
}
