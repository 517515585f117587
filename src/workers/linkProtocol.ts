/** Messages between the page and the link worker, which decodes a shared link off the main thread. */
import type { ExperimentPlan } from '../engine/experiment';

/** A link's fragment (`#x=…`) to decode. */
export interface LinkCommand {
  fragment: string;
}

export type LinkEvent = { ok: true; plan: ExperimentPlan } | { ok: false; message: string };
