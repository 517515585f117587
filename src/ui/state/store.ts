/**
 * The one store: datasets, the experiment being edited (a draft: form fields may hold invalid values until
 * they are fixed; `parsePlan` decides at Train time) with the configurations to compare and their seeds, the
 * UI-level error, and the runs: queued, running, finished (kept in IndexedDB) and the one whose panels are shown.
 */
import { create } from 'zustand';
import type { DataMapping } from '../../engine/data/types';
import type { ExperimentPlan, PlannedModel } from '../../engine/experiment';
import { defaultOptions, MODEL_CATALOG, modelInfo } from '../../engine/models/catalog';
import { DEFAULT_TRAIN, type TrainConfig } from '../../engine/train/config';
import type { BackendChoice, WorkerEvent } from '../../workers/protocol';
import type { DatasetManifestEntry } from '../../engine/synth/manifest';
import { mappingOf } from './datasets';
import { applyWorkerEvents, stoppedByPage, type RunState } from './runState';
import { initialUploadMapping } from './initialMapping';
import type { SavedUploadInfo, UploadSession } from './uploadSession';

export interface ExperimentDraft {
  data: DataMapping;
  model: { id: string; options: Record<string, unknown> };
  train: Record<keyof TrainConfig, unknown>;
}

/** What the main area shows: the selected run, the runs side by side, or the upload's column mapping. */
export type MainView = 'run' | 'compare' | 'mapping';

/** The configuration steps of the side column, in order; at most one is open, the others show a summary. */
export const STEPS = ['data', 'mapping', 'model', 'training', 'compare'] as const;
export type StepId = (typeof STEPS)[number];

/** How the run's charts are drawn: the x-axis unit, the loss curve's smoothing (EMA weight) and scale. */
export interface ChartPrefs {
  x: 'step' | 'epoch';
  smoothing: number;
  logLoss: boolean;
}

export interface PendingUpload {
  name: string;
  sha256: string | null;
}

export interface AppState {
  datasets: DatasetManifestEntry[];
  datasetsError: string | null;
  /** The file the person uploaded (or reopened from IndexedDB); the experiment uses it when `data.path` names it. */
  upload: UploadSession | null;
  /** Files kept in IndexedDB, listed with the bundled datasets. */
  savedUploads: SavedUploadInfo[];
  experiment: ExperimentDraft;
  backend: BackendChoice;
  /** Configurations to compare; empty: the model above is the plan's one configuration. */
  compareModels: PlannedModel[];
  /** The seeds field as typed (a list of integers once valid); empty: the train seed alone. */
  seeds: unknown;
  /**
   * The uploaded file a loaded experiment (link or JSON) was run on, while no upload matches it: the dataset panel
   * asks for it. `sha256` is null when the experiment does not name the file's hash.
   */
  pendingUpload: PendingUpload | null;
  /** A problem found on the page (bad JSON, a refused start), shown like a run error. */
  uiError: string | null;
  /** Every run in queue order: queued, running, finished or failed. */
  runs: RunState[];
  selectedRunId: string | null;
  /** The selected run, kept in step with `runs`: the run panels and charts show it. */
  run: RunState | null;
  view: MainView;
  /** The configuration step shown in full; null: every step as its one-line summary. */
  openStep: StepId | null;
  chartPrefs: ChartPrefs;

  setDatasets(list: DatasetManifestEntry[]): void;
  setDatasetsError(message: string): void;
  selectDataset(id: string): void;
  setUpload(session: UploadSession | null): void;
  /** Applies `change` to the session with this id; a stale id (a replaced upload) changes nothing. */
  patchUpload(id: string, change: (u: UploadSession) => Partial<UploadSession>): void;
  /** Makes the inspected upload the experiment's data: the mapping kept or proposed for it. */
  selectUpload(): void;
  setSavedUploads(list: SavedUploadInfo[]): void;
  setMapping(mapping: DataMapping): void;
  selectModel(id: string): void;
  setOptions(options: Record<string, unknown>): void;
  setOption(key: string, value: unknown): void;
  setTrain(key: keyof TrainConfig, value: unknown): void;
  setBackend(backend: BackendChoice): void;
  addCompareModel(model: PlannedModel): void;
  removeCompareModel(name: string): void;
  setSeeds(seeds: unknown): void;
  /** Replaces the whole experiment (JSON, a link): a single configuration goes to the model form, several to the comparison list. */
  applyPlan(plan: ExperimentPlan): void;
  setPendingUpload(file: PendingUpload | null): void;
  setUiError(message: string | null): void;
  /** Appends runs (queued, or finished ones read back from IndexedDB) and selects the first when `select`. */
  addRuns(runs: RunState[], select: boolean): void;
  /** A queued run got its worker. */
  launchRun(id: string): void;
  applyWorkerEvents(events: WorkerEvent[]): void;
  /** A run whose worker the page ended after Stop (runClient's watchdog). */
  stopRunByPage(id: string, message: string): void;
  selectRun(id: string): void;
  removeRuns(ids: string[]): void;
  setView(view: MainView): void;
  /** Opens a step (closing the one open), or closes it when it is open. */
  toggleStep(step: StepId): void;
  setOpenStep(step: StepId | null): void;
  setChartPrefs(change: Partial<ChartPrefs>): void;
}

/** `runs` with the selection kept valid (the first run when the selected one is gone) and `run` in step. */
function withRuns(
  runs: RunState[],
  selectedRunId: string | null,
): Pick<AppState, 'runs' | 'selectedRunId' | 'run'> {
  const run = runs.find((r) => r.id === selectedRunId) ?? runs[0] ?? null;
  return { runs, selectedRunId: run?.id ?? null, run };
}

/** `name`, or `name (2)`, `name (3)`, … where it is taken: a plan's configuration names are unique. */
function uniqueName(name: string, taken: PlannedModel[]): string {
  const names = new Set(taken.map((m) => m.name));
  let out = name;
  for (let k = 2; names.has(out); k++) out = `${name} (${k})`;
  return out;
}

const firstModel = MODEL_CATALOG[0];

export const useStore = create<AppState>()((set) => ({
  datasets: [],
  datasetsError: null,
  upload: null,
  savedUploads: [],
  experiment: {
    data: { domain: '', tasks: [] },
    model: { id: firstModel.id, options: defaultOptions(firstModel) },
    train: { ...DEFAULT_TRAIN },
  },
  backend: 'auto',
  compareModels: [],
  seeds: [],
  pendingUpload: null,
  uiError: null,
  runs: [],
  selectedRunId: null,
  run: null,
  view: 'run',
  openStep: 'data',
  chartPrefs: { x: 'step', smoothing: 0, logLoss: false },

  setDatasets: (list) => set({ datasets: list, datasetsError: null }),
  setDatasetsError: (message) => set({ datasetsError: message }),
  selectDataset: (id) =>
    set((s) => {
      const entry = s.datasets.find((d) => d.id === id);
      return entry ? { experiment: { ...s.experiment, data: mappingOf(entry) }, uiError: null } : {};
    }),
  setUpload: (session) => set({ upload: session, uiError: null }),
  patchUpload: (id, change) =>
    set((s) => (s.upload?.id === id ? { upload: { ...s.upload, ...change(s.upload) } } : {})),
  selectUpload: () =>
    set((s) => {
      const inspection = s.upload?.inspection;
      if (!inspection) return {};
      return {
        experiment: { ...s.experiment, data: initialUploadMapping(inspection, s.experiment.data) },
        uiError: null,
      };
    }),
  setSavedUploads: (list) => set({ savedUploads: list }),
  setMapping: (mapping) => set((s) => ({ experiment: { ...s.experiment, data: mapping } })),
  selectModel: (id) =>
    set((s) => ({ experiment: { ...s.experiment, model: { id, options: defaultOptions(modelInfo(id)) } } })),
  setOptions: (options) =>
    set((s) => ({ experiment: { ...s.experiment, model: { ...s.experiment.model, options } } })),
  setOption: (key, value) =>
    set((s) => {
      const { model } = s.experiment;
      return {
        experiment: { ...s.experiment, model: { ...model, options: { ...model.options, [key]: value } } },
      };
    }),
  setTrain: (key, value) =>
    set((s) => ({ experiment: { ...s.experiment, train: { ...s.experiment.train, [key]: value } } })),
  setBackend: (backend) => set({ backend }),
  addCompareModel: (model) =>
    set((s) => ({
      compareModels: [
        ...s.compareModels,
        { ...structuredClone(model), name: uniqueName(model.name, s.compareModels) },
      ],
    })),
  removeCompareModel: (name) =>
    set((s) => ({ compareModels: s.compareModels.filter((m) => m.name !== name) })),
  setSeeds: (seeds) => set({ seeds }),
  applyPlan: (plan) => {
    const [first] = plan.models;
    // One configuration that changes nothing of `train` is what the model form edits; anything more is a list.
    const single =
      plan.models.length === 1 && Object.keys(first.train).length === 0 && first.name === first.id;
    set({
      experiment: {
        data: structuredClone(plan.data),
        model: { id: first.id, options: structuredClone(first.options) },
        train: { ...plan.train },
      },
      compareModels: single ? [] : structuredClone(plan.models),
      seeds: plan.seeds.length === 1 && plan.seeds[0] === plan.train.seed ? [] : plan.seeds.slice(),
      uiError: null,
    });
  },
  setPendingUpload: (file) => set({ pendingUpload: file }),
  setUiError: (message) => set({ uiError: message }),
  addRuns: (runs, select) =>
    set((s) => ({
      ...withRuns([...s.runs, ...runs], select && runs.length > 0 ? runs[0].id : s.selectedRunId),
      uiError: null,
    })),
  launchRun: (id) =>
    set((s) =>
      withRuns(
        s.runs.map((r) => (r.id === id && r.status === 'queued' ? { ...r, status: 'starting' } : r)),
        s.selectedRunId,
      ),
    ),
  applyWorkerEvents: (events) => set((s) => withRuns(applyWorkerEvents(s.runs, events), s.selectedRunId)),
  stopRunByPage: (id, message) =>
    set((s) =>
      withRuns(
        s.runs.map((r) => (r.id === id ? stoppedByPage(r, message) : r)),
        s.selectedRunId,
      ),
    ),
  // Picking a run shows it: the run view is where its panels are.
  selectRun: (id) => set((s) => ({ ...withRuns(s.runs, id), view: 'run' })),
  removeRuns: (ids) =>
    set((s) =>
      withRuns(
        s.runs.filter((r) => !ids.includes(r.id)),
        s.selectedRunId,
      ),
    ),
  setView: (view) => set({ view }),
  toggleStep: (step) => set((s) => ({ openStep: s.openStep === step ? null : step })),
  setOpenStep: (step) => set({ openStep: step }),
  setChartPrefs: (change) => set((s) => ({ chartPrefs: { ...s.chartPrefs, ...change } })),
}));

/** The bundled dataset the experiment names, if any. */
export function selectedDataset(s: AppState): DatasetManifestEntry | undefined {
  return s.datasets.find((d) => d.id === s.experiment.data.dataset);
}

/** Whether the experiment reads the uploaded file. */
export function usesUpload(s: AppState): boolean {
  return (
    s.upload?.inspection != null &&
    s.experiment.data.dataset === undefined &&
    s.experiment.data.path === s.upload.name
  );
}
