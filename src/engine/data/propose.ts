/**
 * A first column mapping from a table profile, one role per column with the reason shown to the person, and
 * the two-way translation between a mapping and the role table the person edits.
 */
import { findLeaks, leakText, type LeakTask } from './leakage';
import { distinctAs, type ColumnProfile, type TableProfile } from './profile';
import { parseRule } from './rules';
import { randomSplit, splitFromColumn, splitRows } from './split';
import type { RawTable } from './table';
import { DataError, type DataMapping, type TaskSpec } from './types';
import type { ColumnReading } from './values';

export type ColumnRole = 'domain' | 'task' | 'numeric' | 'categorical' | 'hashed' | 'ignore' | 'split';

/** One row of the role table. */
export interface RoleRow {
  column: string;
  role: ColumnRole;
  /** Hashed columns: the number of buckets. */
  buckets?: number;
}

export interface ColumnProposal extends RoleRow {
  /** Why this role, for the person: "7 values: categorical, could be the domain". */
  reason: string;
  /** Task columns: the proposed label rule. */
  rule?: string;
}

export interface Proposal {
  mapping: DataMapping;
  /** One per column, in header order. */
  roles: ColumnProposal[];
  /** What the proposal could not settle (no task, no domain, no feature), for the person to resolve. */
  problems: string[];
}

/** The parts of a mapping that are not per-column roles. */
export type RoleExtras = Pick<DataMapping, 'domainGroups' | 'splitRatios' | 'splitSeed'>;

/** Most distinct values for a categorical (vocabulary) column; more values are numbers or ids. */
export const MAX_CATEGORICAL = 50;
/** Hashed columns get a power of two ≥ 2 × distinct buckets (few collisions), at most this many. */
export const MAX_BUCKETS = 2 ** 18;
/** Buckets of a column turned to hashed in the role table without a count of its own. */
export const DEFAULT_BUCKETS = 2 ** 16;
/** A text column with more distinct values than this is hashed whatever the row count. */
const HASH_ABOVE = 100_000;
/** Domain candidates by their values alone: enough domains to compare, few enough to train each. */
const DOMAIN_VALUES = { min: 2, max: 20 };
/** Name words that mark a domain column, strongest first. */
const DOMAIN_WORDS = ['domain', 'scenario', 'tab', 'country', 'region', 'market', 'channel', 'page'];
const ID_WORDS = new Set(['id', 'ids', 'uid', 'uuid']);
/** The words split.ts reads as train, valid and test. */
const SPLIT_WORDS = new Set(['train', 'valid', 'val', 'validation', 'test']);

const fmt = (n: number) => n.toLocaleString('en-US');

/** How a column with this role is read, which decides what is missing in it (values.ts isMissingCell). */
export function readingOfRole(role: ColumnRole): ColumnReading {
  if (role === 'numeric') return 'number';
  return role === 'task' ? 'label' : 'category';
}

/** Lower-case words of a column name: "userId", "user_id" and "User ID" all give ["user", "id"]. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function isSplitColumn(c: ColumnProfile): boolean {
  // split.ts rejects a blank split cell, and top holds every value when there are at most TOP_VALUES.
  return (
    c.missing.label === 0 &&
    c.distinct >= 2 &&
    c.top.length === c.distinct &&
    c.top.every((v) => SPLIT_WORDS.has(v.value.toLowerCase())) &&
    c.top.some((v) => v.value.toLowerCase() === 'train')
  );
}

function bucketsFor(distinct: number): number {
  let b = 1;
  while (b < 2 * distinct && b < MAX_BUCKETS) b *= 2;
  return b;
}

/** The role of one column by its values alone; the domain is picked afterwards among the candidates. */
function classify(c: ColumnProfile): ColumnProposal {
  const column = c.name;
  const withMissing = (reading: ColumnReading) =>
    c.missing[reading] > 0 ? ` (${fmt(c.missing[reading])} missing)` : '';
  // As categories, missing-value markers are values ("none" is an occupation); as a label or numbers they are not.
  const categories = distinctAs(c, 'category');
  if (categories === 0) return { column, role: 'ignore', reason: 'no values: ignored' };
  if (categories === 1) {
    const value = c.top[0]?.value ?? c.markers[0].value;
    const where = c.missing.category > 0 ? 'every non-blank row' : 'every row';
    return { column, role: 'ignore', reason: `one value ("${value}") in ${where}: ignored` };
  }
  if (isSplitColumn(c)) {
    return { column, role: 'split', reason: `${c.top.map((v) => v.value).join('/')}: the split` };
  }
  if (c.binary) {
    const { positive, negative } = c.binary;
    const rule = `== ${positive}`;
    return {
      column,
      role: 'task',
      rule,
      reason: `binary (${negative}/${positive})${withMissing('label')}: task candidate, rule ${rule}`,
    };
  }
  const idName = nameWords(column).some((w) => ID_WORDS.has(w));
  const allNumbers = c.numeric === c.rows - c.missing.number;
  if (categories <= MAX_CATEGORICAL) {
    const could = categories <= DOMAIN_VALUES.max ? ', could be the domain' : '';
    return {
      column,
      role: 'categorical',
      reason: `${categories} values${withMissing('category')}: categorical${could}`,
    };
  }
  if (allNumbers && !idName) {
    return {
      column,
      role: 'numeric',
      reason: `numeric, ${fmt(c.distinct)} distinct values${withMissing('number')}`,
    };
  }
  const present = c.rows - c.missing.category;
  const of = `${fmt(categories)} distinct of ${fmt(c.rows)} rows`;
  if (categories === present)
    return { column, role: 'ignore', reason: `${of}, each once: a row id, ignored` };
  if (categories > present / 2 || categories > HASH_ABOVE) {
    const buckets = bucketsFor(categories);
    const power = Math.round(Math.log2(buckets));
    return { column, role: 'hashed', buckets, reason: `${of}: id-like, hashed into 2^${power} buckets` };
  }
  const why = allNumbers ? ' (numbers, but named like an id)' : '';
  return { column, role: 'categorical', reason: `${fmt(categories)} values${why}: categorical` };
}

/** The domain column: one named like a domain, else the most even of the columns with 2–20 values. */
function pickDomain(
  profile: TableProfile,
  roles: readonly ColumnProposal[],
  leaking: ReadonlySet<string>,
): { index: number; reason: string } | null {
  let named = -1;
  let bestScore = Infinity;
  for (let i = 0; i < roles.length; i++) {
    if (roles[i].role !== 'categorical' && roles[i].role !== 'task') continue;
    if (leaking.has(roles[i].column)) continue;
    const words = nameWords(roles[i].column);
    const ranks = words.map((w) => DOMAIN_WORDS.indexOf(w)).filter((k) => k >= 0);
    if (ranks.length === 0) continue;
    // An exact name ("country") beats a longer one ("country_of_birth") with the same word.
    const score = 2 * Math.min(...ranks) + (words.length === 1 ? 0 : 1);
    if (score < bestScore) [named, bestScore] = [i, score];
  }
  if (named >= 0)
    return {
      index: named,
      reason: `${distinctAs(profile.columns[named], 'category')} values, named like a domain: domain`,
    };

  let even = -1;
  for (let i = 0; i < roles.length; i++) {
    const values = distinctAs(profile.columns[i], 'category');
    if (roles[i].role !== 'categorical' || values < DOMAIN_VALUES.min || values > DOMAIN_VALUES.max) continue;
    if (leaking.has(roles[i].column)) continue;
    if (even < 0 || profile.columns[i].evenness > profile.columns[even].evenness) even = i;
  }
  if (even < 0) return null;
  const span = `${DOMAIN_VALUES.min}–${DOMAIN_VALUES.max}`;
  return {
    index: even,
    reason: `${distinctAs(profile.columns[even], 'category')} values, the most even spread of the ${span}-value columns: domain`,
  };
}

/** The mapping of a role table, unchecked: the proposal may lack a domain and says so in its problems. */
function buildMapping(
  roles: readonly RoleRow[],
  tasks: readonly TaskSpec[],
  extras: RoleExtras,
): DataMapping {
  const named = (role: ColumnRole) => roles.filter((r) => r.role === role).map((r) => r.column);
  const taskColumns = new Set(named('task'));
  const hashed = roles
    .filter((r) => r.role === 'hashed')
    .map((r) => ({ column: r.column, buckets: r.buckets ?? DEFAULT_BUCKETS }));
  const split = named('split')[0];
  const mapping: DataMapping = {
    domain: named('domain')[0] ?? '',
    tasks: tasks.filter((t) => taskColumns.has(t.column)).map((t) => ({ ...t })),
    numeric: named('numeric'),
    // Listed rather than left empty ("every other column"), so the mapping reads the same on a wider file.
    categorical: named('categorical'),
    ignore: named('ignore'),
  };
  if (hashed.length > 0) mapping.hashed = hashed;
  if (split !== undefined) mapping.split = split;
  if (extras.domainGroups !== undefined) mapping.domainGroups = structuredClone(extras.domainGroups);
  if (extras.splitRatios !== undefined) mapping.splitRatios = [...extras.splitRatios];
  if (extras.splitSeed !== undefined) mapping.splitSeed = extras.splitSeed;
  return mapping;
}

/**
 * The mapping of an edited role table. Task rules come from `tasks`, since one column may give several tasks;
 * a task whose column no longer has the task role is dropped, and a task column without a TaskSpec gives
 * none.
 */
export function mappingFromRoles(
  roles: readonly RoleRow[],
  tasks: readonly TaskSpec[],
  extras: RoleExtras,
): DataMapping {
  const domains = roles.filter((r) => r.role === 'domain').map((r) => r.column);
  if (domains.length === 0) throw new DataError('choose a domain column');
  if (domains.length > 1)
    throw new DataError(`one column is the domain, not ${domains.length}: ${domains.join(', ')}`);
  const splits = roles.filter((r) => r.role === 'split').map((r) => r.column);
  if (splits.length > 1)
    throw new DataError(`one column is the split, not ${splits.length}: ${splits.join(', ')}`);
  return buildMapping(roles, tasks, extras);
}

/**
 * The role table of a mapping over a file's header, so a recognised layout or a loaded experiment shows in
 * the editor; its tasks and extras stay in the mapping. A column the mapping does not name is categorical
 * when the mapping lists no categorical columns (the encoder's "every other column") and ignored otherwise.
 * A domain column also listed as categorical shows as the domain: the table has one role per column.
 */
export function rolesFromMapping(mapping: DataMapping, header: readonly string[]): RoleRow[] {
  const roleOf = new Map<string, RoleRow>();
  const give = (column: string, role: ColumnRole, buckets?: number) => {
    if (roleOf.has(column)) return;
    roleOf.set(column, buckets === undefined ? { column, role } : { column, role, buckets });
  };
  if (mapping.split !== undefined) give(mapping.split, 'split');
  give(mapping.domain, 'domain');
  for (const t of mapping.tasks) give(t.column, 'task');
  for (const h of mapping.hashed ?? []) give(h.column, 'hashed', h.buckets);
  for (const c of mapping.numeric ?? []) give(c, 'numeric');
  for (const c of mapping.categorical ?? []) give(c, 'categorical');
  for (const c of mapping.ignore ?? []) give(c, 'ignore');
  const rest: ColumnRole = (mapping.categorical ?? []).length > 0 ? 'ignore' : 'categorical';
  return header.map((column) => ({ ...(roleOf.get(column) ?? { column, role: rest }) }));
}

/** The train rows of the proposed mapping: its split column's, else the seeded split the encoder draws. */
function proposedTrainRows(table: ProposalTable, roles: readonly ColumnProposal[]): Int32Array {
  const split = roles.find((r) => r.role === 'split');
  if (split === undefined) return splitRows(randomSplit(table.numRows)).train;
  const all = Int32Array.from({ length: table.numRows }, (_, r) => r);
  // isSplitColumn admits only split words, so no row is refused and fileRow is never asked.
  const cells = table.columns[table.header.indexOf(split.column)];
  return splitRows(splitFromColumn(cells, split.column, all, (r) => r + 2)).train;
}

/** Each candidate task's labels on the train rows, through its proposed rule; -1 where a label is missing. */
function candidateLabels(table: ProposalTable, rows: Int32Array, tasks: readonly TaskSpec[]): LeakTask[] {
  return tasks.map((task) => {
    const rule = parseRule(task.rule);
    const cells = table.columns[table.header.indexOf(task.column)];
    const outcomeOf = Int8Array.from(cells.values, (v) => {
      const y = rule.apply(v);
      return y === 0 || y === 1 ? y : -1;
    });
    return { name: task.name, labels: Int8Array.from(rows, (r) => outcomeOf[cells.codes[r]]) };
  });
}

/** What the proposal reads of the parsed table besides its profile: the cells, to find leaking columns. */
export type ProposalTable = Pick<RawTable, 'header' | 'columns' | 'numRows'>;

const FEATURE_ROLES: ReadonlySet<ColumnRole> = new Set(['numeric', 'categorical', 'hashed']);

export function proposeMapping(profile: TableProfile, table: ProposalTable): Proposal {
  const roles = profile.columns.map(classify);
  const problems: string[] = [];
  // A second split-looking column stays a feature: the mapping reads one split column.
  const splits = roles.filter((r) => r.role === 'split');
  for (const r of splits.slice(1)) {
    roles[roles.indexOf(r)] = {
      column: r.column,
      role: 'categorical',
      reason: `split values, but "${splits[0].column}" is the split: categorical`,
    };
  }
  const tasksOf = (rs: readonly ColumnProposal[]): TaskSpec[] =>
    rs.flatMap((r) =>
      r.role === 'task' && r.rule !== undefined ? [{ name: r.column, column: r.column, rule: r.rule }] : [],
    );
  // Leaks are looked for before the domain is picked, so that a leaking column is not made the domain either.
  const trainRows = proposedTrainRows(table, roles);
  const leaks = findLeaks(
    roles
      .filter((r) => FEATURE_ROLES.has(r.role))
      .map((r) => ({ column: r.column, cells: table.columns[table.header.indexOf(r.column)] })),
    trainRows,
    candidateLabels(table, trainRows, tasksOf(roles)),
  );
  const domain = pickDomain(profile, roles, new Set(leaks.map((l) => l.column)));
  if (domain === null) {
    problems.push(
      `no column with ${DOMAIN_VALUES.min}–${MAX_CATEGORICAL} values to be the domain: choose one`,
    );
  } else {
    roles[domain.index] = { column: roles[domain.index].column, role: 'domain', reason: domain.reason };
  }
  const tasks = tasksOf(roles);
  // Only a leak of a task that stayed a task (not one made the domain) keeps its column out of the features.
  for (const leak of leaks) {
    const i = roles.findIndex((r) => r.column === leak.column);
    if (!FEATURE_ROLES.has(roles[i].role) || !tasks.some((t) => t.name === leak.task)) continue;
    roles[i] = {
      column: leak.column,
      role: 'ignore',
      reason: `${leakText(leak)}: ignored, it gives the label away`,
    };
  }
  if (tasks.length === 0) {
    problems.push('no two-valued column, so no task: mark a column as a task and give it a rule such as > 3');
  }
  if (!roles.some((r) => FEATURE_ROLES.has(r.role))) {
    problems.push('no feature column: every column is the domain, a task, the split or ignored');
  }
  return { mapping: buildMapping(roles, tasks, {}), roles, problems };
}
