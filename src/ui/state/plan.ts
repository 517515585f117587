/**
 * The page's experiment as a plan (engine `ExperimentPlan`): the model form's configuration, or the comparison
 * list, over the seeds. The draft may hold invalid values; `checkPlan` says what is wrong, run by run.
 */
import {
  expandPlan,
  experimentKey,
  parsePlan,
  type ExperimentPlan,
  type PlannedModel,
} from '../../engine/experiment';
import { MODEL_CATALOG, type ModelInfo } from '../../engine/models/catalog';
import type { DatasetManifestEntry } from '../../engine/synth/manifest';
import type { BackendChoice } from '../../workers/protocol';
import type { RunState } from './runState';
import type { AppState } from './store';
import { optionProblems, seedsProblem, trainProblems } from './formProblems';
import type { UploadSession } from './uploadSession';
import { checkExperiment, type Checked } from './validate';

type PlanDraftState = Pick<AppState, 'experiment' | 'compareModels' | 'seeds'>;

/** The plan as the page holds it, in the JSON format `parsePlan` reads (a single configuration as `model`). */
export function planDraftOf(s: PlanDraftState): Record<string, unknown> {
  const { data, model, train } = s.experiment;
  const seeds = Array.isArray(s.seeds) && s.seeds.length === 0 ? undefined : s.seeds;
  return s.compareModels.length > 0
    ? { data, models: s.compareModels, train, seeds }
    : { data, model, train, seeds };
}

export type CheckedRun = Extract<Checked, { ok: true }> & { name: string; seed: number };

export type CheckedPlan =
  { ok: true; plan: ExperimentPlan; runs: CheckedRun[] } | { ok: false; problems: string[] };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Settings a page form holds, given or not: `undefined` is a setting the plan leaves at its default. */
const given = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The problems of the draft's form fields, every one at once and named as the form names them: training
 * settings (with the limits a browser can run), each configuration's model options, and the seeds.
 */
function formProblems(draft: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (isObject(draft.train)) out.push(...Object.values(trainProblems(given(draft.train))));
  const single = isObject(draft.model) ? [{ name: null, config: draft.model }] : [];
  const listed = Array.isArray(draft.models)
    ? draft.models.filter(isObject).map((m) => ({ name: String(m.name ?? m.id), config: m }))
    : [];
  for (const { name, config } of [...single, ...listed]) {
    const info = MODEL_CATALOG.find((m) => m.id === config.id);
    if (!info || !isObject(config.options)) continue;
    for (const p of Object.values(optionProblems(info, config.options)))
      out.push(name === null ? `${info.name}: ${p}` : `${name}: ${p}`);
    if (name !== null && isObject(config.train))
      out.push(...Object.values(trainProblems(given(config.train))).map((p) => `${name}: ${p}`));
  }
  if (draft.seeds !== undefined) {
    const problem = seedsProblem(draft.seeds);
    if (problem !== null) out.push(problem);
  }
  return out;
}

/**
 * The plan checked: the form's fields first (every problem at once, in the form's words), then the plan parsed
 * and every run of it checked (model options, the data source); problems named per configuration.
 */
export function checkPlan(
  draft: unknown,
  datasets: DatasetManifestEntry[],
  upload: UploadSession | null,
): CheckedPlan {
  const fields = isObject(draft) ? formProblems(draft) : [];
  if (fields.length > 0) return { ok: false, problems: fields };
  let plan: ExperimentPlan;
  try {
    plan = parsePlan(draft);
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  const runs: CheckedRun[] = [];
  const failed: { name: string; problems: string[] }[] = [];
  for (const r of expandPlan(plan)) {
    const checked = checkExperiment(r.experiment, datasets, upload);
    if (checked.ok) runs.push({ ...checked, name: r.name, seed: r.seed });
    else failed.push({ name: r.name, problems: checked.problems });
  }
  // A problem every run has (the data source) is said once; one of some configurations only names them.
  const problems = new Set<string>();
  for (const f of failed)
    for (const p of f.problems)
      problems.add(runs.length === 0 && failed.every((o) => o.problems.includes(p)) ? p : `${f.name}: ${p}`);
  return problems.size > 0 ? { ok: false, problems: [...problems] } : { ok: true, plan, runs };
}

/** The preset whose options equal `options` (defaults filled in), or "" for custom. */
export function presetOf(info: ModelInfo, options: Record<string, unknown>): string {
  const full = (o: Record<string, unknown>) => JSON.stringify(info.options.map((s) => o[s.key] ?? s.default));
  const current = full(options);
  return info.presets.find((p) => full(p.options) === current)?.name ?? '';
}

/** A configuration's name from its model and preset ("MMoE · per-task gates"); an unknown model by its id. */
export function configName(id: string, options: Record<string, unknown>): string {
  const info = MODEL_CATALOG.find((m) => m.id === id);
  return info ? `${info.name} · ${presetOf(info, options) || 'custom'}` : id;
}

/** A configuration for the comparison list, named after its model and preset. */
export function plannedModel(id: string, options: Record<string, unknown>): PlannedModel {
  return {
    name: configName(id, options),
    id,
    options: structuredClone(options),
    train: {},
  };
}

/**
 * Runs of a plan that would repeat a computation: the same data, model, settings and seed on the same backend
 * choice as a run already listed (queued, running or finished; a failed one may be run again), or as another
 * configuration of the plan. A copy gives the same numbers, and Compare would count it as a second seed.
 */
export function repeatedRuns(
  runs: readonly CheckedRun[],
  listed: readonly RunState[],
  backend: BackendChoice,
): string[] {
  const keyOf = (e: CheckedRun['experiment'], b: BackendChoice) => `${b}|${experimentKey(e)}`;
  const seen = new Map<string, string>();
  for (const r of listed)
    if (r.status !== 'error' && r.init === null)
      seen.set(keyOf(r.experiment, r.backendChoice), `the listed run "${r.name}"`);
  const problems: string[] = [];
  for (const r of runs) {
    const key = keyOf(r.experiment, backend);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push(
        `"${r.name}" with seed ${r.seed} repeats ${earlier} (same data, model, settings, seed and backend): it would ` +
          'give the same numbers and count as a second seed; change the seed or a setting, or remove the listed run',
      );
    else seen.set(key, `configuration "${r.name}" of this plan`);
  }
  return problems;
}
