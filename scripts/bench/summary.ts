import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataMapping } from '../../src/engine/data/types';
import {
  MANIFEST_FILE,
  oracleFor,
  oracleGap,
  type DatasetManifestEntry,
  type OracleSplit,
} from '../../src/engine/synth/manifest';
import type { EvalReport, GateStats } from '../../src/engine/train/report';
import type { TrainEvent } from '../../src/engine/train/events';

const DATASETS = path.resolve(import.meta.dirname, '../../public/datasets');

/** The test oracle of the data a run trains on, or why there is none (then the summary's oracleGap is null). */
export type BenchOracle = { test: OracleSplit; why: null } | { test: null; why: string };

export interface BenchData {
  path: string;
  oracle: BenchOracle;
}

/**
 * The data file (`path` relative to the working directory or the experiment file, or a bundled `dataset` id)
 * and, for a bundled dataset mapped with its own labels, domains and split, its oracle AUCs.
 */
export function resolveData(data: DataMapping, experimentDir: string): BenchData {
  if (data.path) {
    for (const candidate of [path.resolve(data.path), path.resolve(experimentDir, data.path)]) {
      if (existsSync(candidate))
        return {
          path: candidate,
          oracle: { test: null, why: 'data.path names a file, not a bundled dataset' },
        };
    }
    throw new Error(
      `data.path "${data.path}" was not found (looked in ${process.cwd()} and ${experimentDir})`,
    );
  }
  if (data.dataset) {
    const index = JSON.parse(
      readFileSync(path.join(DATASETS, MANIFEST_FILE), 'utf8'),
    ) as DatasetManifestEntry[];
    const entry = index.find((d) => d.id === data.dataset);
    if (!entry)
      throw new Error(`no bundled dataset "${data.dataset}" (have: ${index.map((d) => d.id).join(', ')})`);
    const oracle = oracleFor(entry, data);
    return {
      path: path.join(DATASETS, entry.file),
      oracle: oracle
        ? { test: oracle.test, why: null }
        : { test: null, why: `the mapping's domain, tasks or split differ from ${entry.id}'s own` },
    };
  }
  throw new Error('the experiment names no data: set data.path or data.dataset');
}

/** Mean oracle − test AUC over the cells, or null with the reason. */
function oracleGapOf(
  oracle: BenchOracle,
  aucByCell: Record<string, Record<string, number | null>>,
): { oracleGap: number | null; oracleGapNote: string | null } {
  if (oracle.test === null) return { oracleGap: null, oracleGapNote: oracle.why };
  const { gap, missing } = oracleGap(oracle.test, aucByCell);
  return gap === null
    ? { oracleGap: null, oracleGapNote: `no oracle or test AUC for ${missing.join(', ')}` }
    : { oracleGap: Number(gap.toFixed(4)), oracleGapNote: null };
}

function testBlock(test: EvalReport, domains: string[], tasks: string[]) {
  const auc: Record<string, number | null> = {};
  const logloss: Record<string, number | null> = {};
  const aucByCell: Record<string, Record<string, number | null>> = {};
  tasks.forEach((t, i) => {
    auc[t] = test.byTask[i].auc;
    logloss[t] = test.byTask[i].logloss;
  });
  domains.forEach((d, di) => {
    aucByCell[d] = Object.fromEntries(tasks.map((t, ti) => [t, test.byCell[di][ti].auc]));
  });
  return { auc, aucByCell, logloss, meanAuc: test.meanTaskAuc };
}

/** Collects a run's events into the bench's JSON lines. */
export class BenchRecorder {
  private domains: string[] = [];
  private tasks: string[] = [];
  private params = 0;
  private validAucHistory: (number | null)[] = [];
  private samplesPerSecond = 0;
  private msPerStep = 0;
  private hostMsPerStep: number | null = null;
  private readonly startedAt = Date.now();
  private lastProgressLog = Date.now();

  constructor(
    /** The plan's name for the configuration: tells configurations of one model id apart. */
    private readonly name: string,
    private readonly model: string,
    private readonly seed: number,
    /** `threads`: the wasm backend's XNNPACK threads (null on other backends). */
    readonly backend: { name: string; adapter?: string | null; threads?: number | null },
    /** Check data's notes on the data (skipped rows, imputed values, errors trained on with --allow-data-errors). */
    private readonly notes: string[],
    private readonly oracle: BenchOracle,
  ) {}

  onEvent(e: TrainEvent): void {
    switch (e.type) {
      case 'started':
        this.domains = e.shape.domainNames;
        this.tasks = e.shape.taskNames;
        this.params = e.params;
        break;
      case 'progress':
        this.samplesPerSecond = e.samplesPerSecond;
        this.msPerStep = e.msPerStep;
        this.hostMsPerStep = e.hostMsPerStep ?? null;
        if (Date.now() - this.lastProgressLog > 10_000) {
          this.lastProgressLog = Date.now();
          console.log(
            JSON.stringify({
              event: 'progress',
              step: e.step,
              epoch: e.epoch,
              loss: e.loss,
              msPerStep: Number(e.msPerStep.toFixed(1)),
            }),
          );
        }
        break;
      case 'epoch':
        this.validAucHistory.push(e.validMeanAuc);
        console.log(
          JSON.stringify({
            event: 'epoch',
            name: this.name,
            model: this.model,
            seed: this.seed,
            epoch: e.epoch,
            validMeanAuc: e.validMeanAuc,
            samplesPerSecond: Math.round(this.samplesPerSecond),
            elapsedS: (Date.now() - this.startedAt) / 1000,
          }),
        );
        break;
      default:
        break;
    }
  }

  /** `initialGates`: the same test pass before training, where the runner has it (Node). */
  summary(
    done: Extract<TrainEvent, { type: 'done' }>,
    kernelsPerStep: number | null,
    initialGates?: GateStats[],
  ): Record<string, unknown> {
    const test = testBlock(done.test, this.domains, this.tasks);
    return {
      event: 'summary',
      name: this.name,
      model: this.model,
      seed: this.seed,
      backend: this.backend.name,
      adapter: this.backend.adapter ?? null,
      threads: this.backend.threads ?? null,
      params: this.params,
      samplesPerSecond: Math.round(this.samplesPerSecond),
      msPerStep: Number(this.msPerStep.toFixed(2)),
      hostMsPerStep: this.hostMsPerStep === null ? null : Number(this.hostMsPerStep.toFixed(2)),
      kernelsPerStep,
      epochs: done.epochs,
      bestEpoch: done.bestEpoch,
      reason: done.reason,
      // Which weights `test` scores: the best epoch's, restored, or the last step's (a run stopped mid-epoch).
      weightsFrom: done.weightsFrom.kind,
      flags: done.flags.map((f) => f.message),
      ...(done.failure === undefined ? {} : { failure: done.failure }),
      validAucHistory: this.validAucHistory,
      test,
      ...oracleGapOf(this.oracle, test.aucByCell),
      routing: done.test.gates.map((g) => ({
        gate: g.name,
        activePerRow: Number(g.activePerRow.toFixed(3)),
        selectionMi: Number(g.selectionMi.toFixed(4)),
        initialSelectionMi: initialGates
          ? Number((initialGates.find((i) => i.name === g.name)?.selectionMi ?? 0).toFixed(4))
          : null,
      })),
      inspect: done.test.inspect ?? null,
      notes: this.notes,
      wallS: (Date.now() - this.startedAt) / 1000,
    };
  }
}
