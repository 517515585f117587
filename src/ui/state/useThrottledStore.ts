import { useEffect, useState } from 'react';
import { useStore, type AppState } from './store';

/**
 * A store value that re-renders its component at most once per `intervalMs` (leading and trailing edge):
 * charts redraw a few times a second however often events arrive. `selector` must be a stable function
 * (module-level), or the subscription is renewed on every render.
 */
export function useThrottledStore<T>(selector: (s: AppState) => T, intervalMs: number): T {
  const [value, setValue] = useState<T>(() => selector(useStore.getState()));
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const emit = () => {
      timer = undefined;
      last = performance.now();
      setValue(() => selector(useStore.getState()));
    };
    emit();
    const unsubscribe = useStore.subscribe((s, prev) => {
      if (timer !== undefined || Object.is(selector(s), selector(prev))) return;
      const wait = last + intervalMs - performance.now();
      if (wait <= 0) emit();
      else timer = setTimeout(emit, wait);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [selector, intervalMs]);
  return value;
}
