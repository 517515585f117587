/**
 * A whole experiment plan in a link: `#x=` + base64url(deflate(canonical JSON)). Deflate keeps a plan of a
 * few models within the length browsers and chat apps keep intact; base64url needs no escaping in a URL.
 * Also the content hash that names an uploaded file in a plan.
 */
import { deflateSync, strFromU8, strToU8 } from 'fflate';
import { ExperimentError, parsePlan, planToJson, PLAN_LIMITS, type ExperimentPlan } from '../experiment';
import { ImportError } from './errors';
import { inflateAtMost } from './inflate';
import { toHex } from './sha256';

const KEY = 'x';

/**
 * The longest link text a plan may be: a plan within PLAN_LIMITS deflates to a few kilobytes. Checked before a
 * byte is decoded, so a link of megabytes costs nothing (a 1.84 MB one once took 38.5 s to load).
 */
export const MAX_LINK_CHARS = 64 * 1024;

const KIB = 1024;

/** Why a link's fragment is refused by its length alone, or null; cheap enough for the main thread. */
export function linkSizeProblem(hash: string): string | null {
  if (hash.length <= MAX_LINK_CHARS) return null;
  return `the link's experiment is ${Math.round(hash.length / KIB)} KB of text, more than the ${MAX_LINK_CHARS / KIB} KB a plan of this playground takes: it was not made here, or was altered`;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument count far below engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const bad = text.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0 || text.length % 4 === 1) {
    const where = bad >= 0 ? `the character "${text[bad]}" at position ${bad + 1}` : 'its length';
    throw new ImportError(
      `the link's experiment is not base64url text (${where}): the link was probably cut off or altered`,
    );
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The URL fragment (with its `#`) that holds the plan. */
export function planToFragment(plan: ExperimentPlan): string {
  const fragment = `#${KEY}=${toBase64Url(deflateSync(strToU8(planToJson(plan)), { level: 9 }))}`;
  // A link that this page could not load again is no link.
  const problem = linkSizeProblem(fragment);
  if (problem) throw new ImportError(problem);
  return fragment;
}

/** The plan a URL fragment holds (with or without its `#`); other `key=value` parts of the fragment are ignored. */
export function planFromFragment(hash: string): ExperimentPlan {
  const tooLong = linkSizeProblem(hash);
  if (tooLong) throw new ImportError(tooLong);
  const encoded = new URLSearchParams(hash.replace(/^#/, '')).get(KEY);
  if (encoded === null || encoded === '')
    throw new ImportError(`the link holds no experiment (its fragment has no "${KEY}=")`);
  const bytes = fromBase64Url(encoded);
  let inflated: Uint8Array | null;
  try {
    inflated = inflateAtMost(bytes, PLAN_LIMITS.jsonBytes);
  } catch {
    throw new ImportError(
      "the link's experiment data is corrupt (it does not decompress): the link was probably cut off or altered",
    );
  }
  if (inflated === null)
    throw new ImportError(
      `the link's experiment expands to more than the ${PLAN_LIMITS.jsonBytes / (KIB * KIB)} MB of JSON a plan may be: it was not made by this playground`,
    );
  const text = strFromU8(inflated);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImportError("the link's experiment is not JSON: it was not made by this playground");
  }
  try {
    return parsePlan(json);
  } catch (e) {
    if (e instanceof ExperimentError)
      throw new ImportError(`the link's experiment is not valid: ${e.message}`);
    throw e;
  }
}

/** Lowercase hex SHA-256 of a file's bytes: what `data.sha256` names an uploaded file by. */
export async function sha256Hex(source: Uint8Array | ArrayBuffer | Blob): Promise<string> {
  const bytes = source instanceof Blob ? await source.arrayBuffer() : source;
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}
