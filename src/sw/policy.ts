/**
 * The headers every response of the built site should carry, shared by the service worker that adds them on a
 * host that sends none (GitHub Pages) and by vite.config.ts, which sends them from `vite preview`.
 */

/**
 * The data never leaves the machine: nothing may be fetched from, or sent to, another origin. 'wasm-unsafe-eval'
 * lets tfjs compile its WASM backend; inline styles are how React and recharts position things. blob: in
 * script-src and worker-src: the threaded WASM backend (on once the page is cross-origin isolated) starts its
 * pthread workers from Blob URLs its own script makes; a blob: URL is of this page's making, never another origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
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
