import { startTransition, useEffect, useState } from 'react';
import { useStore, type AppState } from './store';
import { throttle } from './throttle';

/**
 * A store value that re-renders its component at most once per `intervalMs` (leading and trailing edge):
 * charts redraw a few times a second however often events arrive. The re-render is a transition: React renders
 * it in slices of a few ms and yields between them, so redrawing several charts at once does not hold the main
 * thread in one long task (frames and input go on in between). `selector` must be a stable function
 * (module-level), or the subscription is renewed on every render.
 */
export function useThrottledStore<T>(selector: (s: AppState) => T, intervalMs: number): T {
  const [value, setValue] = useState<T>(() => selector(useStore.getState()));
  useEffect(() => {
    const update = throttle(
      () => startTransition(() => setValue(() => selector(useStore.getState()))),
      intervalMs,
    );
    update.now();
    const unsubscribe = useStore.subscribe((s, prev) => {
      if (!Object.is(selector(s), selector(prev))) update.notify();
    });
    return () => {
      unsubscribe();
      update.cancel();
    };
  }, [selector, intervalMs]);
  return value;
}
