import { useState } from 'react';
import type { DataMapping } from '../../../engine/data/types';
import type { DatasetManifestEntry } from '../../../engine/synth/manifest';
import { downloadText } from '../../persist/download';
import { formatJson } from '../../persist/json';
import { checkPlan, planDraftOf } from '../../state/plan';
import { useStore } from '../../state/store';

/** The data file as a command names it: a bundled set from the checkout's public/datasets, an upload by its name. */
function dataFile(data: DataMapping, datasets: DatasetManifestEntry[]): string {
  const bundled = data.dataset === undefined ? undefined : datasets.find((d) => d.id === data.dataset);
  return bundled ? `public/datasets/${bundled.file}` : (data.path ?? 'your-data.csv');
}

/** The command lines that train `experiment.json` with the PyTorch twins and check a run's parity. */
function beyondCommands(data: DataMapping, datasets: DatasetManifestEntry[], pick: string): string {
  const file = dataFile(data, datasets);
  const run = `-m moe_playground.train experiment.json${pick} --out run.zip`;
  return [
    `# In a checkout of this project, with experiment.json saved at its root${data.dataset === undefined ? ` and ${file} beside it` : ''}:`,
    '# CPU, 4 processes (gloo)',
    `PYTHONPATH=python torchrun --nproc_per_node 4 ${run}`,
    '# one machine with 8 GPUs (NCCL)',
    `PYTHONPATH=python torchrun --nproc_per_node 8 ${run}`,
    '# two machines of 8 GPUs: run on each, --node_rank 0 on HOST and 1 on the other',
    `PYTHONPATH=python torchrun --nnodes 2 --node_rank 0 --master_addr HOST --master_port 29500 --nproc_per_node 8 ${run}`,
    '# train.batchSize is the global batch: a multiple of the number of processes.',
    "# Debian's python3-torch 1.13 under Python 3.11: add --redirects 2 --tee 2 after torchrun.",
    '# Then Import run.zip here to evaluate and inspect it.',
    '',
    '# Same weights, same logits: a run of this engine (one configuration, one seed) checked against its twin',
    `npm run bench -- --experiment experiment.json --node --backend wasm --export page.zip`,
    `PYTHONPATH=python python3 -m moe_playground.parity page.zip --data ${file}`,
  ].join('\n');
}

/**
 * "Train beyond the browser": the experiment of the selected run (or, before any run, the form's plan) as JSON, and
 * the torchrun command lines that train it with the PyTorch twins (python/moe_playground) on CPUs, GPUs or machines.
 */
export function TrainBeyond() {
  const run = useStore((s) => s.run);
  const experiment = useStore((s) => s.experiment);
  const compareModels = useStore((s) => s.compareModels);
  const seeds = useStore((s) => s.seeds);
  const datasets = useStore((s) => s.datasets);
  const upload = useStore((s) => s.upload);
  const [open, setOpen] = useState(false);
  const draft = planDraftOf({ experiment, compareModels, seeds });
  const json = formatJson(run ? run.experiment : draft);
  const checked = run ? null : checkPlan(draft, datasets, upload);
  const runs = checked?.ok ? checked.runs : [];
  // A plan of several runs: the trainer takes one, named by configuration and seed.
  const pick = runs.length > 1 ? ` --config "${runs[0].name}" --seed ${runs[0].seed}` : '';
  const commands = beyondCommands(run ? run.experiment.data : experiment.data, datasets, pick);

  return (
    <>
      <button
        type="button"
        data-testid="train-beyond"
        aria-expanded={open}
        title="Train this experiment with PyTorch DistributedDataParallel (torchrun) on CPUs, GPUs or a cluster"
        onClick={() => setOpen(!open)}
      >
        ⇱ Train beyond the browser
      </button>
      {open && (
        <section className="beyond" data-testid="beyond-panel" aria-label="Train beyond the browser">
          <p>
            {run
              ? `The experiment of ${run.name} · seed ${run.experiment.train.seed}`
              : 'The experiment in the form'}
            , for the PyTorch twins of the models in <code>python/moe_playground</code>: the same models, data
            encoding and training, under <code>torchrun</code>. They write a run .zip that Import reads back.
            {runs.length > 1 &&
              ` This plan holds ${runs.length} runs: the commands train the first; --config and --seed pick another.`}
          </p>
          <textarea
            data-testid="beyond-json"
            aria-label="Experiment JSON for torchrun"
            readOnly
            rows={12}
            value={json}
            spellCheck={false}
          />
          <div className="button-row">
            <button
              type="button"
              data-testid="beyond-download"
              onClick={() => downloadText(json, 'experiment.json')}
            >
              ⇩ experiment.json
            </button>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(commands)}>
              Copy commands
            </button>
          </div>
          <pre data-testid="beyond-commands">{commands}</pre>
        </section>
      )}
    </>
  );
}
