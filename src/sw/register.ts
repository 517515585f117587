/**
 * Registers the policy service worker (serviceWorker.ts) from the page entry. It lives beside index.html, so
 * its scope is the site's folder on any host and subpath (the build's base is relative). A first visit is
 * served without the worker: once it controls the page, the page reloads once so that the page itself is
 * cross-origin isolated and every worker it starts runs under the policy. `vite dev` serves sources, not the
 * build: there the worker is not registered, and one left by a build served from the same origin is removed.
 */
const RELOADED_KEY = 'moe-playground:policy-reload';

export function registerPolicyWorker(): void {
  const container = navigator.serviceWorker as ServiceWorkerContainer | undefined;
  if (!container) return;
  if (import.meta.env.DEV) {
    void container.getRegistrations().then((all) => all.forEach((r) => void r.unregister()));
    return;
  }
  const firstVisit = container.controller === null;
  container.register(new URL('sw.js', document.baseURI), { scope: './' }).then(
    async () => {
      if (!firstVisit || window.crossOriginIsolated) return;
      await container.ready;
      // Once per tab: a reload that bypasses workers (Shift+Reload) must not start a loop.
      if (sessionStorage.getItem(RELOADED_KEY)) return;
      sessionStorage.setItem(RELOADED_KEY, '1');
      window.location.reload();
    },
    (e: unknown) =>
      console.warn(`the policy service worker could not be registered: ${(e as Error).message}`),
  );
}
