/// <reference lib="webworker" />
/**
 * The site's service worker (built to sw.js beside index.html). A static host such as GitHub Pages sends no
 * headers, and a policy in a meta tag reaches the page only: a worker takes the policy of its own script's
 * response. This worker answers every same-origin request with the response plus the Content-Security-Policy
 * and cross-origin isolation headers, so the page and every worker it starts run under them on any host.
 * Requests to other origins are left alone (the policy refuses them before they get here).
 */
import { CONTENT_SECURITY_POLICY, CROSS_ORIGIN_ISOLATION } from './policy';

declare const self: ServiceWorkerGlobalScope;

// A new version takes over at once: it only adds headers, so old and new pages work with either.
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

async function withPolicy(request: Request): Promise<Response> {
  const response = await fetch(request);
  // Opaque and redirect responses cannot be rebuilt (and carry nothing to run).
  if (response.status === 0 || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(CROSS_ORIGIN_ISOLATION)) headers.set(name, value);
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (e) => {
  const { request } = e;
  if (new URL(request.url).origin !== self.location.origin) return;
  // A request the browser would refuse to send through a service worker (DevTools' cache-only reads).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  e.respondWith(withPolicy(request));
});
