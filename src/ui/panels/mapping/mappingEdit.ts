/**
 * Edits of an upload's mapping as the role table makes them. The mapping (the experiment's `data` block) is the
 * one source of truth: the table shows `rolesFromMapping` of it, and each edit rebuilds it with
 * `mappingFromRoles`, so the Experiment JSON panel and the role table never disagree.
 */
import type { ColumnProfile } from '../../../engine/data/profile';
import { mappingFromRoles, rolesFromMapping, type ColumnRole } from '../../../engine/data/propose';
import type { DataMapping, TaskSpec } from '../../../engine/data/types';

/** Buckets a column gets when a person marks it hashed: the proposal's when it had one, else 2^16. */
const DEFAULT_BUCKETS = 1 << 16;

function taskFor(profile: ColumnProfile | undefined, column: string, taken: Set<string>): TaskSpec {
  const positive = profile?.binary?.positive ?? '1';
  let name = column;
  for (let i = 2; taken.has(name); i++) name = `${column}_${i}`;
  return { name, column, rule: `== ${positive}` };
}

/** Keeps what the role table does not show (file, hash, split ratios, domain groups and names) across an edit. */
function rebuild(
  mapping: DataMapping,
  roles: ReturnType<typeof rolesFromMapping>,
  tasks: TaskSpec[],
): DataMapping {
  const { path, dataset, sha256, domainGroups, splitRatios, splitSeed, domainNames } = mapping;
  const next: DataMapping = {
    ...mappingFromRoles(roles, tasks, { domainGroups, splitRatios, splitSeed }),
    ...(dataset !== undefined ? { dataset } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(sha256 !== undefined ? { sha256 } : {}),
  };
  // Names of the domain values hold for the column they name, not for one that replaces it.
  if (domainNames !== undefined && next.domain === mapping.domain) next.domainNames = domainNames;
  return next;
}

export function setColumnRole(
  mapping: DataMapping,
  header: string[],
  profiles: ColumnProfile[],
  column: string,
  role: ColumnRole,
): DataMapping {
  const roles = rolesFromMapping(mapping, header).map((r) => ({ ...r }));
  const target = roles.find((r) => r.column === column);
  if (!target || target.role === role) return mapping;
  // One domain and one split column: the one displaced becomes an ordinary feature / is dropped.
  if (role === 'domain' || role === 'split') {
    for (const r of roles) if (r.role === role) r.role = role === 'domain' ? 'categorical' : 'ignore';
  }
  let tasks = mapping.tasks.filter((t) => t.column !== column || role === 'task');
  if (role === 'task' && !tasks.some((t) => t.column === column)) {
    const profile = profiles.find((p) => p.name === column);
    tasks = [...tasks, taskFor(profile, column, new Set(tasks.map((t) => t.name)))];
  }
  target.role = role;
  if (role === 'hashed') target.buckets = target.buckets ?? DEFAULT_BUCKETS;
  return rebuild(mapping, roles, tasks);
}

export function setTasks(mapping: DataMapping, header: string[], tasks: TaskSpec[]): DataMapping {
  const roles = rolesFromMapping(mapping, header).map((r) => ({ ...r }));
  const taskColumns = new Set(tasks.map((t) => t.column));
  // A column that lost its last task becomes ignored rather than silently turning into a feature (a label
  // used as a feature leaks the answer).
  for (const r of roles) {
    if (taskColumns.has(r.column)) r.role = 'task';
    else if (r.role === 'task') r.role = 'ignore';
  }
  return rebuild(mapping, roles, tasks);
}

export function newTask(mapping: DataMapping, profiles: ColumnProfile[], column: string): TaskSpec {
  return taskFor(
    profiles.find((p) => p.name === column),
    column,
    new Set(mapping.tasks.map((t) => t.name)),
  );
}
