/**
 * Leading- and trailing-edge throttle: `notify` calls `emit` at once when the last call was at least
 * `intervalMs` ago, and otherwise once when the interval is over, however many notifications came in between
 * (the last state is always emitted).
 */
export interface Throttle {
  /** Emits now, whatever the interval. */
  now(): void;
  notify(): void;
  cancel(): void;
}

export function throttle(emit: () => void, intervalMs: number, clock = () => performance.now()): Throttle {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = clock();
    emit();
  };
  return {
    now: fire,
    notify() {
      if (timer !== undefined) return;
      const wait = last + intervalMs - clock();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
