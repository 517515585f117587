/**
 * Reads a shared link in a worker of its own (started per link, ended after its one reply). The length check
 * runs here first: it costs nothing, and a link of megabytes is not even copied to the worker.
 */
import type { ExperimentPlan } from '../../engine/experiment';
import { linkSizeProblem } from '../../engine/io/link';
import type { LinkCommand, LinkEvent } from '../../workers/linkProtocol';

/** The plan a link's fragment holds; rejects with the reason it does not hold one. */
export function decodeLink(fragment: string): Promise<ExperimentPlan> {
  const tooLong = linkSizeProblem(fragment);
  if (tooLong) return Promise.reject(new Error(tooLong));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../../workers/link.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<LinkEvent>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.plan);
      else reject(new Error(e.data.message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(`the link could not be read: ${e.message || 'its worker did not load'}`));
    };
    worker.postMessage({ fragment } satisfies LinkCommand);
  });
}
