import { describe, expect, it } from 'vitest';
import { dataReport, MIN_CLASS_ROWS_FOR_AUC, type DataIssue } from './checks';
import { parseCsv } from './csv';
import { encodeDataset } from './encode';
import { profileTable } from './profile';
import { readingOfRole, rolesFromMapping } from './propose';
import { tableOf } from './table';
import type { DataMapping } from './types';

const mapping: DataMapping = {
  domain: 'dom',
  tasks: [{ name: 'click', column: 'y', rule: '== 1' }],
  numeric: ['x'],
  categorical: ['c'],
  split: 'split',
};

/** One block of rows: `pos` positives then `neg` negatives of a domain in a split; c cycles over `card` values. */
interface Block {
  dom: string;
  split: string;
  pos: number;
  neg: number;
  card?: number;
}

function csvOf(blocks: Block[], extra = ''): string {
  const lines = ['dom,c,x,y,split'];
  let i = 0;
  for (const { dom, split, pos, neg, card = 3 } of blocks) {
    for (let k = 0; k < pos + neg; k++, i++)
      lines.push(`${dom},v${i % card},${i % 7},${k < pos ? 1 : 0},${split}`);
  }
  return lines.join('\n') + '\n' + extra;
}

/** Both domains with enough of both classes everywhere: no issue. */
const healthy: Block[] = ['a', 'b'].flatMap((dom) =>
  ['train', 'valid', 'test'].map((split) => ({ dom, split, pos: 12, neg: 15 })),
);

function report(blocks: Block[], m: DataMapping = mapping, extra = '', maxVocabPerField?: number) {
  return dataReport(encodeDataset(parseCsv(csvOf(blocks, extra)), m, { maxVocabPerField }));
}

const messages = (issues: DataIssue[]) => issues.map((i) => i.message);

describe('dataReport', () => {
  it('counts rows per domain and labels per domain × task cell in each split', () => {
    const blocks = healthy.map((b) =>
      b.dom === 'b' && b.split === 'valid' ? { ...b, pos: 20, neg: 10 } : b,
    );
    const r = report(blocks);
    expect(r.issues).toEqual([]);
    expect(r.numRows).toBe(27 * 5 + 30);
    expect(r.domainRows).toEqual({ train: [27, 27], valid: [27, 30], test: [27, 27] });
    expect(r.cells.valid[1][0]).toEqual({ labelled: 30, positives: 20, positiveRate: 20 / 30 });
    expect(r.cells.train[0][0]).toEqual({ labelled: 27, positives: 12, positiveRate: 12 / 27 });
    expect(r.fields).toEqual([
      { column: 'c', kind: 'categorical', size: 4, distinct: 3, capped: false, cappedValues: 0, oovRows: 0 },
    ]);
    expect(r.missing).toEqual({ c: 0, x: 0, y: 0 });
  });

  it('calls a train cell without positives or without negatives an error, naming domain and task', () => {
    const noPos = report(healthy.map((b) => (b.dom === 'b' && b.split === 'train' ? { ...b, pos: 0 } : b)));
    expect(noPos.issues).toEqual([
      {
        level: 'error',
        message:
          'domain "b", task "click": no positive labels in the train split (15 labelled rows), so the model cannot ' +
          'learn this cell',
        domain: 'b',
        task: 'click',
      },
    ]);
    const noNeg = report(healthy.map((b) => (b.dom === 'a' && b.split === 'train' ? { ...b, neg: 0 } : b)));
    expect(messages(noNeg.issues)).toEqual([
      'domain "a", task "click": no negative labels in the train split (12 labelled rows), so the model cannot ' +
        'learn this cell',
    ]);
  });

  it(`warns about a valid or test cell with fewer than ${MIN_CLASS_ROWS_FOR_AUC} positives or negatives`, () => {
    const edge = (pos: number, neg: number) =>
      report(healthy.map((b) => (b.dom === 'a' && b.split === 'test' ? { ...b, pos, neg } : b))).issues;
    expect(edge(MIN_CLASS_ROWS_FOR_AUC, MIN_CLASS_ROWS_FOR_AUC)).toEqual([]);
    expect(edge(MIN_CLASS_ROWS_FOR_AUC - 1, 40)).toEqual([
      {
        level: 'warning',
        message: `domain "a", task "click": the test split holds ${MIN_CLASS_ROWS_FOR_AUC - 1} positives and 40 negatives, too small to measure AUC (${MIN_CLASS_ROWS_FOR_AUC} of each at least)`,
        domain: 'a',
        task: 'click',
      },
    ]);
    expect(messages(edge(30, MIN_CLASS_ROWS_FOR_AUC - 1))[0]).toMatch(/holds 30 positives and 9 negatives/);
  });

  it('warns when the domain column holds a single value', () => {
    const r = report(healthy.filter((b) => b.dom === 'a'));
    expect(r.issues).toEqual([
      {
        level: 'warning',
        message: 'the domain column "dom" holds the single value "a": domain routing has nothing to learn',
        column: 'dom',
      },
    ]);
  });

  it('warns about a categorical column capped by the vocabulary or with values on most rows, not a hashed one', () => {
    const ids = healthy.map((b) => ({ ...b, card: 1000 }));
    const many = report(ids);
    expect(many.issues).toEqual([
      {
        level: 'warning',
        message:
          'categorical column "c" has 162 distinct values in 162 rows, more than half: most values are seen too ' +
          'rarely to learn; map it as hashed (data.hashed) or ignore it',
        column: 'c',
      },
    ]);
    // 3 values, capped at 2: one train value is cut, and its 54 rows (all splits) take the OOV id.
    const capped = report(healthy, mapping, '', 2);
    expect(capped.fields[0]).toMatchObject({ capped: true, cappedValues: 1, oovRows: 54, size: 3 });
    expect(messages(capped.issues)).toEqual([
      'categorical column "c" has more distinct train values than the vocabulary cap of 2: 1 values are left out ' +
        'and 54 rows share the out-of-vocabulary id; map it as hashed (data.hashed) or ignore it',
    ]);
    const hashed = report(ids, {
      ...mapping,
      categorical: [],
      ignore: [],
      hashed: [{ column: 'c', buckets: 64 }],
    });
    expect(hashed.issues).toEqual([]);
    expect(hashed.fields[0]).toMatchObject({ kind: 'hashed', size: 65, distinct: 162, capped: false });
  });

  it("reports skipped rows with their file rows and the reader's notes", () => {
    const r = report(healthy, mapping, 'a,v1,2\na,v1,2,1,train,extra\n');
    expect(r.skipped.count).toBe(2);
    expect(messages(r.issues)).toEqual([
      '2 rows of the file were skipped: row 164 (expected 5 fields, found 3), row 165 (expected 5 fields, found 6)',
    ]);
    const ds = encodeDataset(parseCsv(csvOf(healthy)), mapping);
    expect(messages(dataReport({ ...ds, notes: ['a note'] }).issues)).toEqual(['a note']);
  });

  it('names the column that determines a task on the train split as an error', () => {
    // x is i % 7 in csvOf; y copies whether it is at least 4.
    const text = csvOf(healthy)
      .split('\n')
      .map((line, i) => {
        if (i === 0 || line === '') return line;
        const f = line.split(',');
        f[3] = Number(f[2]) >= 4 ? '1' : '0';
        return f.join(',');
      })
      .join('\n');
    const issues = dataReport(encodeDataset(parseCsv(text), mapping)).issues;
    expect(issues).toContainEqual({
      level: 'error',
      message:
        'column "x" determines task "click" on the train split: every row with x ≥ 4 has label 1 and every row ' +
        'with x ≤ 3 label 0 (54 labelled rows). As a feature it gives the label away and every metric would be ' +
        'meaningless: ignore the column',
      column: 'x',
      task: 'click',
    });
  });

  it('counts missing labels, and numbers missing or unreadable, saying they were imputed with the train mean', () => {
    const extra = 'a,v1,NA,null,train\nb,v2,"2,75",1,train\na,v1,0x1A,?,train\nb,v1,,1,valid\n';
    const r = dataReport(encodeDataset(parseCsv(csvOf(healthy, extra)), mapping));
    // The 54 train rows of csvOf hold x = 159 in all.
    expect(messages(r.issues)).toEqual([
      'task "click": 2 rows have no label in column "y" (blank, NA, N/A, null, NaN, None or ?): they are left ' +
        'out of its loss and metrics',
      'numeric column "x": 2 missing cells (blank, NA, null, …) and 2 cells that are not decimal numbers ' +
        '("2,75" in row 165, "0x1A") were imputed with the train mean (2.94444)',
    ]);
    expect(r.missing).toEqual({ c: 0, x: 2, y: 2 });
  });

  it('warns about a rule value that some train values spell in another case', () => {
    const text = csvOf(healthy)
      .split('\n')
      .map((line, i) =>
        i === 0 || line === '' ? line : line.replace(/,1,(\w+)$/, i % 4 === 0 ? ',Yes,$1' : ',yes,$1'),
      )
      .map((line) => line.replace(/,0,(\w+)$/, ',no,$1'))
      .join('\n');
    const yes: DataMapping = { ...mapping, tasks: [{ name: 'click', column: 'y', rule: '== yes' }] };
    const r = dataReport(encodeDataset(parseCsv(text), yes));
    expect(r.issues.filter((i) => i.level === 'warning' && i.message.includes('case'))).toEqual([
      {
        level: 'warning',
        message:
          'task "click": rule "== yes" matches 18 train rows of column "y" holding "yes", but "Yes" (6 rows) ' +
          'differ from it only by case and are labelled 0; list every spelling (in {…}) if they mean the same',
        column: 'y',
        task: 'click',
      },
    ]);
  });

  it('counts missing cells as the mapping table does, for every role', () => {
    const rows: string[][] = [];
    const occupations = ['none', 'NA', '', 'doctor', 'artist'];
    const prices = ['', 'NA', 'nan', '?', '0x1A', '1.5', '2', '3', '4', '5'];
    const clicks = ['', 'NA', 'null', 'None', '0', '1', '0', '1', '1', '0', '0'];
    for (let i = 0; i < 110; i++) {
      rows.push([
        ['a', 'b'][i % 2],
        occupations[i % 5],
        ['', 'null', `u${i % 13}`][i % 3],
        prices[i % 10],
        clicks[i % 11],
        i % 6 === 0 ? 'test' : 'train',
      ]);
    }
    const table = tableOf(['dom', 'occupation', 'user', 'price', 'click', 'split'], rows);
    const m: DataMapping = {
      domain: 'dom',
      tasks: [{ name: 'click', column: 'click', rule: '== 1' }],
      numeric: ['price'],
      categorical: ['occupation'],
      hashed: [{ column: 'user', buckets: 16 }],
      split: 'split',
    };
    const checked = dataReport(encodeDataset(table, m)).missing;
    const profile = profileTable(table);
    const shown = Object.fromEntries(
      rolesFromMapping(m, table.header)
        .filter((r) => r.column in checked)
        .map((r) => [
          r.column,
          profile.columns.find((c) => c.name === r.column)!.missing[readingOfRole(r.role)],
        ]),
    );
    expect(shown).toEqual(checked);
    expect(checked).toEqual({ occupation: 22, user: 37, price: 44, click: 40 });
  });
});
