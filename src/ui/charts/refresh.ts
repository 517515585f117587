/** Charts redraw at most this often (ms) however fast events arrive. */
export const CHART_REFRESH_MS = 200;
