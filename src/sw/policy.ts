/**
 * The headers every response of the built site should carry, shared by the service worker that adds them on a
 * host that sends none (GitHub Pages) and by vite.config.ts, which sends them from `vite preview`.
 */

/**
 * The data never leaves the machine: nothing may be fetched from, or sent to, another origin. 'wasm-unsafe-eval'
 * lets tfjs compile its WASM backend; inline styles are how React and recharts position things.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** Cross-origin isolation: SharedArrayBuffer, hence threaded WASM, needs the page and its workers isolated. */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
