/** The x-axis of a run's curves: training steps, or epochs (steps over the steps of one epoch), by choice. */
import { linearAxis, type Axis } from './ticks';

export type XUnit = 'step' | 'epoch';

export interface XScale {
  unit: XUnit;
  axis: Axis;
  /** The x of a point recorded at `step`. */
  of: (step: number) => number;
  /** Axis title with its unit. */
  title: string;
  /** A hover readout's heading for an x: both units where both are known. */
  describe: (x: number) => string;
}

/**
 * The scale for curves up to `lastStep`. Epochs need the steps of one epoch (`stepsPerEpoch`); without them
 * (an imported run scored without training) the axis stays in steps.
 */
export function xScale(unit: XUnit, lastStep: number, stepsPerEpoch: number | null): XScale {
  const end = Math.max(1, lastStep);
  if (unit === 'epoch' && stepsPerEpoch !== null && stepsPerEpoch > 0) {
    const perEpoch = stepsPerEpoch;
    return {
      unit,
      axis: linearAxis(0, end / perEpoch, 6),
      of: (step) => step / perEpoch,
      title: `epoch (${perEpoch.toLocaleString('en-US')} steps each)`,
      describe: (x) => `epoch ${x.toFixed(2)} · step ${Math.round(x * perEpoch).toLocaleString('en-US')}`,
    };
  }
  return {
    unit: 'step',
    axis: linearAxis(0, end, 6, true),
    of: (step) => step,
    title: 'training step',
    describe: (x) =>
      stepsPerEpoch !== null && stepsPerEpoch > 0
        ? `step ${x.toLocaleString('en-US')} · epoch ${(x / stepsPerEpoch).toFixed(2)}`
        : `step ${x.toLocaleString('en-US')}`,
  };
}
