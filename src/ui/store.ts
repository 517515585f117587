/**
 * The one store: datasets, the experiment being edited (a draft: form fields may hold invalid values until
 * they are fixed; `parseExperiment` decides at Train time), the UI-level error and the current run.
 */
import { create } from 'zustand';
import type { DataMapping } from '../engine/data/types';
import type { Experiment } from '../engine/experiment';
import { defaultOptions, MODEL_CATALOG, modelInfo } from '../engine/models/catalog';
import { DEFAULT_TRAIN, type TrainConfig } from '../engine/train/config';
import type { BackendChoice, WorkerEvent } from '../workers/protocol';
import type { DatasetManifestEntry } from '../engine/synth/manifest';
import { mappingOf } from './datasets';
import { applyWorkerEvent, type RunState } from './runState';
import { mappingForUpload, type UploadedFile } from './upload';

export interface ExperimentDraft {
  data: DataMapping;
  model: { id: string; options: Record<string, unknown> };
  train: Record<keyof TrainConfig, unknown>;
}

export interface AppState {
  datasets: DatasetManifestEntry[];
  datasetsError: string | null;
  /** A CSV the person uploaded; the experiment uses it when `data.path` names it. */
  upload: UploadedFile | null;
  experiment: ExperimentDraft;
  backend: BackendChoice;
  /** A problem found on the page (bad JSON, a refused start), shown like a run error. */
  uiError: string | null;
  run: RunState | null;

  setDatasets(list: DatasetManifestEntry[]): void;
  setDatasetsError(message: string): void;
  selectDataset(id: string): void;
  setUpload(file: UploadedFile): void;
  selectUpload(): void;
  selectModel(id: string): void;
  setOptions(options: Record<string, unknown>): void;
  setOption(key: string, value: unknown): void;
  setTrain(key: keyof TrainConfig, value: unknown): void;
  setBackend(backend: BackendChoice): void;
  applyExperiment(experiment: Experiment): void;
  setUiError(message: string | null): void;
  beginRun(run: RunState): void;
  applyWorkerEvents(events: WorkerEvent[]): void;
}

const firstModel = MODEL_CATALOG[0];

export const useStore = create<AppState>()((set) => ({
  datasets: [],
  datasetsError: null,
  upload: null,
  experiment: {
    data: { domain: '', tasks: [] },
    model: { id: firstModel.id, options: defaultOptions(firstModel) },
    train: { ...DEFAULT_TRAIN },
  },
  backend: 'auto',
  uiError: null,
  run: null,

  setDatasets: (list) => set({ datasets: list, datasetsError: null }),
  setDatasetsError: (message) => set({ datasetsError: message }),
  selectDataset: (id) =>
    set((s) => {
      const entry = s.datasets.find((d) => d.id === id);
      return entry ? { experiment: { ...s.experiment, data: mappingOf(entry) }, uiError: null } : {};
    }),
  setUpload: (file) =>
    set((s) => ({
      upload: file,
      experiment: { ...s.experiment, data: mappingForUpload(file, s.experiment.data) },
      uiError: null,
    })),
  selectUpload: () =>
    set((s) =>
      s.upload
        ? {
            experiment: { ...s.experiment, data: mappingForUpload(s.upload, s.experiment.data) },
            uiError: null,
          }
        : {},
    ),
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
  applyExperiment: (experiment) => set({ experiment: structuredClone(experiment), uiError: null }),
  setUiError: (message) => set({ uiError: message }),
  beginRun: (run) => set({ run, uiError: null }),
  applyWorkerEvents: (events) =>
    set((s) => (s.run === null ? {} : { run: events.reduce(applyWorkerEvent, s.run) })),
}));

/** The bundled dataset the experiment names, if any. */
export function selectedDataset(s: AppState): DatasetManifestEntry | undefined {
  return s.datasets.find((d) => d.id === s.experiment.data.dataset);
}

/** Whether the experiment reads the uploaded file. */
export function usesUpload(s: AppState): boolean {
  return (
    s.upload !== null && s.experiment.data.dataset === undefined && s.experiment.data.path === s.upload.name
  );
}
