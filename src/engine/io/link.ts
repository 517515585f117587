/**
 * A whole experiment plan in a link: `#x=` + base64url(deflate(canonical JSON)). Deflate keeps a plan of a
 * few models within the length browsers and chat apps keep intact; base64url needs no escaping in a URL.
 * Also the content hash that names an uploaded file in a plan.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { ExperimentError, parsePlan, planToJson, type ExperimentPlan } from '../experiment';
import { ImportError } from './errors';

const KEY = 'x';

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
  return `#${KEY}=${toBase64Url(deflateSync(strToU8(planToJson(plan)), { level: 9 }))}`;
}

/** The plan a URL fragment holds (with or without its `#`); other `key=value` parts of the fragment are ignored. */
export function planFromFragment(hash: string): ExperimentPlan {
  const encoded = new URLSearchParams(hash.replace(/^#/, '')).get(KEY);
  if (encoded === null || encoded === '')
    throw new ImportError(`the link holds no experiment (its fragment has no "${KEY}=")`);
  const bytes = fromBase64Url(encoded);
  let text: string;
  try {
    text = strFromU8(inflateSync(bytes));
  } catch {
    throw new ImportError(
      "the link's experiment data is corrupt (it does not decompress): the link was probably cut off or altered",
    );
  }
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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
