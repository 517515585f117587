import { bestPerColumn, compareCells, summarize, type Summary } from '../../src/engine/metrics/compare';

interface TestBlock {
  auc: Record<string, number | null>;
  meanAuc: number | null;
}

/**
 * A markdown table of bench summaries: one row per run, test AUC per task, the gap to the oracle (bundled
 * data only), throughput and cost.
 */
export function markdownTable(summaries: Record<string, unknown>[]): string {
  if (summaries.length === 0) return '';
  const tasks = Object.keys((summaries[0].test as TestBlock).auc);
  const head = [
    'model',
    'seed',
    'backend',
    'params',
    ...tasks.map((t) => `test AUC ${t}`),
    'oracle gap',
    'epochs (best)',
    'ms/step',
    'host ms/step',
    'samples/s',
    'kernels/step',
  ];
  const rows = summaries.map((s) => {
    const auc = (s.test as TestBlock).auc;
    return [
      s.name,
      s.seed,
      s.backend,
      s.params,
      ...tasks.map((t) => auc[t]?.toFixed(4) ?? 'n/a'),
      typeof s.oracleGap === 'number' ? s.oracleGap.toFixed(4) : 'n/a',
      `${String(s.epochs)} (${String(s.bestEpoch)})`,
      s.msPerStep,
      s.hostMsPerStep,
      s.samplesPerSecond,
      s.kernelsPerStep,
    ];
  });
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A markdown table of --step-cost summaries: what one step costs per model. */
export function stepCostTable(summaries: Record<string, unknown>[]): string {
  const head = ['model', 'backend', 'params', 'batch', 'kernels/step', 'host ms/step'];
  const rows = summaries.map((s) => [
    s.name,
    s.backend,
    s.params,
    s.batchSize,
    s.kernelsPerStep,
    s.hostMsPerStep,
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function meanStd(s: Summary): string {
  if (s.mean === null) return 'n/a';
  return s.std === null ? s.mean.toFixed(4) : `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}`;
}

/**
 * Per configuration, test AUC mean ± std over its seeds (best mean per column in bold), and how its mean
 * task AUC compares with the best configuration's: the gap and whether it is within seed noise (compareCells).
 */
export function comparisonTable(summaries: Record<string, unknown>[]): string {
  if (summaries.length === 0) return '';
  const tasks = Object.keys((summaries[0].test as TestBlock).auc);
  const names = [...new Set(summaries.map((s) => s.name as string))];
  const valuesOf = (name: string, pick: (t: TestBlock) => number | null): number[] =>
    summaries
      .filter((s) => s.name === name)
      .map((s) => pick(s.test as TestBlock))
      .filter((v): v is number => v !== null);
  const columns: ((t: TestBlock) => number | null)[] = [
    ...tasks.map((task) => (t: TestBlock) => t.auc[task]),
    (t: TestBlock) => t.meanAuc,
  ];
  const cells = names.map((name) => columns.map((pick) => summarize(valuesOf(name, pick))));
  const best = bestPerColumn(cells.map((row) => row.map((s) => s.mean)));
  const bestName = names[best.findIndex((row) => row[row.length - 1])];
  const head = [
    'configuration',
    'seeds',
    ...tasks.map((t) => `test AUC ${t}`),
    'mean task AUC',
    'vs best (mean task AUC)',
  ];
  const rows = names.map((name, i) => {
    const shown = cells[i].map((s, c) => (best[i][c] ? `**${meanStd(s)}**` : meanStd(s)));
    let versus = 'best';
    if (bestName === undefined) versus = 'n/a';
    else if (name !== bestName) {
      const mine = valuesOf(name, (t) => t.meanAuc);
      const c =
        mine.length > 0
          ? compareCells(
              mine,
              valuesOf(bestName, (t) => t.meanAuc),
            )
          : null;
      versus = c ? `${c.diff.toFixed(4)} (${c.verdict.replace('-', ' ')})` : 'n/a';
    }
    return [name, summaries.filter((s) => s.name === name).length, ...shown, versus];
  });
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
