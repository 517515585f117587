/**
 * Decodes one shared link (base64url → bounded inflate → JSON → plan) off the main thread: a link comes from
 * anyone, and however it was crafted the page stays responsive while it is read. One message in, one out.
 */
import { planFromFragment } from '../engine/io/link';
import type { LinkCommand, LinkEvent } from './linkProtocol';

self.onmessage = (e: MessageEvent<LinkCommand>) => {
  let reply: LinkEvent;
  try {
    reply = { ok: true, plan: planFromFragment(e.data.fragment) };
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
