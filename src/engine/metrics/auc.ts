/**
 * A metric of NaN or infinite scores is a number computed from nothing (NaN sorts anywhere, and a clipped NaN
 * probability reads as a confident prediction): refuse, naming the first bad row.
 */
function requireFinite(metric: string, scores: ArrayLike<number>, n: number, rows?: ArrayLike<number>): void {
  for (let i = 0; i < n; i++) {
    const x = scores[rows ? rows[i] : i];
    if (!Number.isFinite(x)) throw new RangeError(`${metric} needs finite scores: row ${i} scored ${x}`);
  }
}

/**
 * Exact ROC AUC by sorting, with ties counted as half (the Mann–Whitney U statistic).
 * Returns null when the rows hold a single class: AUC is undefined there, and 0.5 would be a lie.
 * Throws on a score that is not a finite number.
 */
export function auc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  rows?: ArrayLike<number>,
): number | null {
  const n = rows ? rows.length : scores.length;
  if (n === 0) return null;
  requireFinite('AUC', scores, n, rows);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = rows ? rows[i] : i;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = scores[order[i]];
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => s[a] - s[b]);

  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[order[i]] > 0.5) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;

  // Sum of positive ranks, with tied groups sharing their average rank.
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]] === s[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[order[idx[k]]] > 0.5) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean binary cross-entropy of probabilities, clipped away from 0 and 1; null on no rows; throws on a non-finite probability. */
export function logloss(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  rows?: ArrayLike<number>,
): number | null {
  const n = rows ? rows.length : probs.length;
  if (n === 0) return null;
  requireFinite('logloss', probs, n, rows);
  const eps = 1e-7;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    const p = Math.min(1 - eps, Math.max(eps, probs[r]));
    sum += labels[r] > 0.5 ? -Math.log(p) : -Math.log(1 - p);
  }
  return sum / n;
}
