/** A markdown table of bench summaries: one row per run, test AUC per task, throughput and cost. */
export function markdownTable(summaries: Record<string, unknown>[]): string {
  if (summaries.length === 0) return '';
  const tasks = Object.keys((summaries[0].test as { auc: Record<string, number> }).auc);
  const head = ['model', 'seed', 'backend', 'params', ...tasks.map((t) => `test AUC ${t}`), 'epochs', 'ms/step', 'samples/s', 'kernels/step'];
  const rows = summaries.map((s) => {
    const auc = (s.test as { auc: Record<string, number | null> }).auc;
    return [s.model, s.seed, s.backend, s.params, ...tasks.map((t) => auc[t]?.toFixed(4) ?? 'n/a'), s.epochs, s.msPerStep, s.samplesPerSecond, s.kernelsPerStep];
  });
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
