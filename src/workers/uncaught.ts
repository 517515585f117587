/**
 * Words for an exception nobody caught in a worker. A WebAssembly thread (an Emscripten pthread worker of tfjs's
 * threaded wasm backend) that fails is reported by its `onerror`, which rethrows the thread's own ErrorEvent: the
 * worker's error event then carries that event as its `error` and reads "Uncaught [object ErrorEvent]".
 */
export function uncaughtMessage(e: { error?: unknown; message?: string }): string {
  const inner = e.error;
  if (inner instanceof Error) return inner.message;
  if (typeof inner === 'object' && inner !== null && 'message' in inner) {
    const { message, filename, lineno } = inner as {
      message?: unknown;
      filename?: unknown;
      lineno?: unknown;
    };
    const where =
      typeof filename === 'string' && filename ? ` at ${filename}${lineno ? `:${lineno}` : ''}` : '';
    const what = typeof message === 'string' && message ? message : 'no message';
    return `a WebAssembly thread of the wasm backend failed (${what}${where}): try another backend, or reload`;
  }
  return e.message || 'an unknown error';
}
