/** A static server for the built site, shared by the browser benchmarks. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serves `root` on a free port, with no headers but the content type and, when `isolated` (the default, like
 * `vite preview`: the training worker's WASM backend then uses threads), cross-origin isolation; `extra` maps URL
 * paths to files outside it (a benchmark's data file); `prefix` serves the site under a subpath (`/repo/`, as
 * GitHub Pages does). `isolated: false` is a plain static host, which sends no headers at all.
 */
export function serveStatic(
  root: string,
  extra: Record<string, string> = {},
  prefix = '/',
  { isolated = true } = {},
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(prefix)) return void res.writeHead(404).end();
    const inSite = `/${url.pathname.slice(prefix.length)}`;
    const pathname = inSite === '/' ? '/index.html' : inSite;
    const file = extra[pathname] ?? path.join(root, decodeURIComponent(pathname));
    if (!file.startsWith(root) && extra[pathname] === undefined) return void res.writeHead(403).end();
    if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      ...(isolated && {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      }),
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}
