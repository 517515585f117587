/**
 * Mutual information (nats) of a joint distribution given as non-negative counts or weights [rows][cols].
 * 0 when either margin is degenerate; a table of zeros gives 0.
 */
export function mutualInformation(joint: number[][]): number {
  let total = 0;
  for (const row of joint) for (const v of row) total += v;
  if (total <= 0) return 0;
  const rowSum = joint.map((r) => r.reduce((a, b) => a + b, 0) / total);
  const colSum = joint[0].map((_, j) => joint.reduce((a, r) => a + r[j], 0) / total);
  let mi = 0;
  joint.forEach((r, i) =>
    r.forEach((v, j) => {
      const p = v / total;
      if (p > 0) mi += p * Math.log(p / (rowSum[i] * colSum[j]));
    }),
  );
  return Math.max(0, mi);
}
