import { describe, expect, it } from 'vitest';
import { uncaughtMessage } from './uncaught';

describe('uncaughtMessage', () => {
  it('names a failed WebAssembly thread instead of "Uncaught [object ErrorEvent]"', () => {
    // What Emscripten's pthread onerror rethrows: the thread's ErrorEvent, seen by the worker as the error's value.
    const thread = { message: 'Uncaught RangeError: Out of memory', filename: 'blob:http://x/1', lineno: 9 };
    expect(uncaughtMessage({ error: thread, message: 'Uncaught [object ErrorEvent]' })).toBe(
      'a WebAssembly thread of the wasm backend failed (Uncaught RangeError: Out of memory at blob:http://x/1:9): ' +
        'try another backend, or reload',
    );
    expect(uncaughtMessage({ error: { message: '' }, message: 'Uncaught [object ErrorEvent]' })).toMatch(
      /WebAssembly thread .* failed \(no message\)/,
    );
  });

  it('keeps an Error’s own message, and the event’s where there is no error value', () => {
    expect(
      uncaughtMessage({ error: new TypeError('x is not a function'), message: 'Uncaught TypeError' }),
    ).toBe('x is not a function');
    expect(uncaughtMessage({ error: null, message: 'Script error.' })).toBe('Script error.');
    expect(uncaughtMessage({})).toBe('an unknown error');
  });
});
