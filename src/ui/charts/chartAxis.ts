/**
 * Props shared by the charts, as module constants: recharts 3 keeps chart settings in its own store and
 * re-dispatches them when a prop changes identity, so inline arrays and arrow functions cost work on every
 * redraw. `interval: 0` draws the computed ticks as they are: the default ("preserveEnd") measures every
 * tick label in the DOM to drop overlapping ones, a forced layout per redraw.
 */
export const AXIS = { tick: { fontSize: 11 }, interval: 0, minTickGap: 0 } as const;
/** From step 0 to a round number past the last step: ticks fall on round steps and the axis jumps less. */
export const STEP_DOMAIN = [0, 'auto'] as const;
export const AUTO_DOMAIN = ['auto', 'auto'] as const;
export const CHART_MARGIN = { top: 6, right: 16, bottom: 0, left: 0 };

export const tick2 = (v: number): string => v.toFixed(2);
export const tick3 = (v: number): string => v.toFixed(3);
/** Ticks of any scale: nice numbers as they are (up to four significant digits), tiny and huge ones as 4.5e-7. */
export function tickAny(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 0.001)) return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  return String(Number(v.toPrecision(4)));
}
export const tooltipValue = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
export const tooltipStep = (step: unknown): string => `step ${String(step)}`;

/** Charts redraw at most this often (ms) however fast events arrive. */
export const CHART_REFRESH_MS = 200;
