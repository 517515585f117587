import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle';

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a burst of notifications into one emit at the end of the interval', () => {
    const emit = vi.fn();
    const t = throttle(emit, 200, () => Date.now());
    t.now();
    for (let i = 0; i < 50; i++) t.notify();
    expect(emit).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect(emit).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(emit).toHaveBeenCalledTimes(2);
  });

  it('emits once per interval under a steady stream, and the last notification is always emitted', () => {
    const emit = vi.fn();
    let state = 0;
    const seen: number[] = [];
    emit.mockImplementation(() => seen.push(state));
    const t = throttle(emit, 200, () => Date.now());
    t.now();
    // A worker event every 10 ms for 1 s: 100 notifications.
    for (let i = 1; i <= 100; i++) {
      vi.advanceTimersByTime(10);
      state = i;
      t.notify();
    }
    vi.advanceTimersByTime(200);
    expect(emit.mock.calls.length).toBeLessThanOrEqual(1 + 1000 / 200 + 1);
    expect(seen[seen.length - 1]).toBe(100);
  });

  it('emits nothing after cancel', () => {
    const emit = vi.fn();
    const t = throttle(emit, 200, () => Date.now());
    t.now();
    t.notify();
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(emit).toHaveBeenCalledTimes(1);
  });
});
