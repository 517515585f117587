/**
 * The whole experiment (a plan) in and out of the page: loaded from JSON or a link (model options and the bundled
 * dataset checked first: nothing changes when they are wrong; an uploaded file the plan names but the page does
 * not hold becomes `pendingUpload`, which the dataset panel asks for), and kept in the address bar.
 */
import type { DataMapping } from '../../engine/data/types';
import { parsePlan, type ExperimentPlan } from '../../engine/experiment';
import { planToFragment } from '../../engine/io/link';
import { MODEL_CATALOG, optionErrors } from '../../engine/models/catalog';
import { planDraftOf } from '../state/plan';
import { useStore, type AppState, type PendingUpload } from '../state/store';
import type { UploadSession } from '../state/uploadSession';
import { decodeLink } from '../workers/linkClient';

function planProblems(plan: ExperimentPlan): string[] {
  const { datasets } = useStore.getState();
  const models = plan.models.flatMap((m) => {
    const info = MODEL_CATALOG.find((i) => i.id === m.id);
    const problems = info
      ? optionErrors(info, m.options)
      : [`unknown model "${m.id}" (known: ${MODEL_CATALOG.map((i) => i.id).join(', ')})`];
    return plan.models.length > 1 ? problems.map((p) => `${m.name}: ${p}`) : problems;
  });
  const { dataset } = plan.data;
  const unknown =
    dataset !== undefined && !datasets.some((d) => d.id === dataset)
      ? [`unknown dataset "${dataset}" (bundled: ${datasets.map((d) => d.id).join(', ')})`]
      : [];
  return [...models, ...unknown];
}

/** The upload the mapping reads, when the page does not hold that file (by name and, where given, hash). */
export function missingUpload(data: DataMapping, upload: UploadSession | null): PendingUpload | null {
  if (data.path === undefined) return null;
  const inspected = upload?.inspection;
  const here =
    inspected != null &&
    upload?.name === data.path &&
    (data.sha256 === undefined || data.sha256 === inspected.sha256);
  return here ? null : { name: data.path, sha256: data.sha256 ?? null };
}

/** Applies a plan; returns what is wrong with it instead when anything is (then nothing changes). */
export function applyLoadedPlan(plan: ExperimentPlan): string[] {
  const problems = planProblems(plan);
  if (problems.length > 0) return problems;
  const state = useStore.getState();
  state.applyPlan(plan);
  state.setPendingUpload(missingUpload(plan.data, state.upload));
  return [];
}

/** Applies a plan given as parsed JSON (a plan or a single-run experiment). */
export function loadPlan(json: unknown): string[] {
  let plan: ExperimentPlan;
  try {
    plan = parsePlan(json);
  } catch (e) {
    return [(e as Error).message];
  }
  return applyLoadedPlan(plan);
}

/** The link fragment of the page's plan, or null while the plan is not valid. */
function fragmentOf(s: AppState): string | null {
  try {
    return planToFragment(parsePlan(planDraftOf(s)));
  } catch {
    return null;
  }
}

/**
 * Loads the plan the address bar holds, if any (decoded in a worker); a broken link is reported, and the page
 * keeps its experiment.
 */
async function loadFromAddressBar(): Promise<void> {
  const { hash } = window.location;
  if (hash === '' || hash === '#' || hash === fragmentOf(useStore.getState())) return;
  let problems: string[];
  reading = hash;
  try {
    const plan = await decodeLink(hash);
    // Another link was pasted while this one was read: that one is loaded instead.
    if (reading !== hash) return;
    problems = applyLoadedPlan(plan);
  } catch (e) {
    if (reading !== hash) return;
    problems = [(e as Error).message];
  } finally {
    if (reading === hash) reading = null;
  }
  if (problems.length > 0)
    useStore.getState().setUiError(`The link's experiment was not loaded: ${problems.join('\n')}`);
}

/** The link being read: until it is, the address bar keeps it (the page's edits meanwhile would replace it). */
let reading: string | null = null;

function writeAddressBar(s: AppState): void {
  if (reading !== null) return;
  const fragment = fragmentOf(s);
  // replaceState: editing the experiment should not fill the back button's history.
  if (fragment !== null && fragment !== window.location.hash)
    history.replaceState(history.state, '', fragment);
}

/**
 * Loads the plan of the address bar, then keeps the address bar on the page's plan (each valid edit) and loads a
 * link pasted into it. Call once the dataset list is known (a link names its dataset). Returns the unsubscriber,
 * and the first load (the link's plan applied, or found broken and reported).
 */
export function syncAddressBar(): { stop: () => void; loaded: Promise<void> } {
  const load = () => void loadFromAddressBar();
  // The address bar keeps the link until it is read: the page's own plan is written there only after.
  const loaded = loadFromAddressBar().then(() => writeAddressBar(useStore.getState()));
  const unsubscribe = useStore.subscribe((s, prev) => {
    if (s.experiment !== prev.experiment || s.compareModels !== prev.compareModels || s.seeds !== prev.seeds)
      writeAddressBar(s);
  });
  window.addEventListener('hashchange', load);
  const stop = () => {
    unsubscribe();
    window.removeEventListener('hashchange', load);
  };
  return { stop, loaded };
}

/** The page's link (the address bar brought up to date first), or what keeps the plan from being one. */
export function currentLink(): { link: string } | { problem: string } {
  const s = useStore.getState();
  try {
    parsePlan(planDraftOf(s));
  } catch (e) {
    return { problem: (e as Error).message };
  }
  writeAddressBar(s);
  return { link: window.location.href };
}
