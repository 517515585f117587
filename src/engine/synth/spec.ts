/** The recipe of a synthetic dataset: its shape and how strong each planted kind of signal is. */

export interface SynthDomain {
  name: string;
  /** Relative share of the rows (normalised over the domains). */
  weight: number;
  /** Multiplies every task's base rate in this domain (default 1), so domains also differ in their priors. */
  rateScale?: number;
}

export interface SynthTask {
  /** Task name, also its label column. */
  name: string;
  /** Target positive rate. */
  rate: number;
}

export interface SynthStructure {
  /** Scale of the signal common to every domain (each task's copy mixed by `taskCorrelation`). */
  shared: number;
  /** Scale of the per-domain signal: other fields, weights and interactions matter in each domain. */
  domainSpecific: number;
  /** Scale of a per-task signal that no other task sees. */
  taskSpecific: number;
  /** In [0, 1]: weight of the latent score all tasks share; a task's part = sqrt(c)·common + sqrt(1−c)·own. */
  taskCorrelation: number;
  /** In [0, 1]: how alike domains are, both in their specific weights and in their feature distributions. */
  domainOverlap: number;
  /** Std of an unobserved Gaussian on the logit, integrated out: it flattens the true probabilities. */
  noise: number;
}

export interface SynthSpec {
  id: string;
  name: string;
  description: string;
  rows: number;
  seed: number;
  domains: SynthDomain[];
  tasks: SynthTask[];
  categorical: {
    count: number;
    /** One cardinality for every field, or one per field. */
    cardinality: number | number[];
    /** Zipf exponent of the value frequencies (0 = uniform). */
    skew: number;
  };
  /** Number of Gaussian numeric fields. */
  numeric: number;
  structure: SynthStructure;
}

export function cardinalities(spec: SynthSpec): number[] {
  const { count, cardinality } = spec.categorical;
  return Array.isArray(cardinality) ? cardinality.slice() : Array.from({ length: count }, () => cardinality);
}

/** Target positive rate of a (domain, task) cell. */
export function cellRate(spec: SynthSpec, d: number, t: number): number {
  return spec.tasks[t].rate * (spec.domains[d].rateScale ?? 1);
}

/** Throws on a spec the generator cannot honour, naming the field at fault. */
export function validateSpec(spec: SynthSpec): void {
  const fail = (msg: string): never => {
    throw new Error(`synth spec "${spec.id}": ${msg}`);
  };
  if (!/^[a-z0-9-]+$/.test(spec.id))
    fail('id must be lower-case letters, digits and dashes (it names a file)');
  if (!Number.isInteger(spec.rows) || spec.rows < 10) fail('rows must be an integer ≥ 10');
  if (!Number.isInteger(spec.seed)) fail('seed must be an integer');
  if (spec.domains.length < 1) fail('at least one domain is needed');
  if (spec.tasks.length < 1) fail('at least one task is needed');
  if (spec.domains.some((d) => !(d.weight > 0))) fail('domain weights must be positive');
  const names = [...spec.domains.map((d) => d.name), ...spec.tasks.map((t) => t.name)];
  if (new Set(names).size !== names.length) fail('domain and task names must be distinct');
  if (names.some((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n)))
    fail('domain and task names must be identifiers (they go into CSV unquoted)');
  if (spec.tasks.some((t) => ['domain', 'split'].includes(t.name) || /^[cn]\d+$/.test(t.name)))
    fail('a task name clashes with a column name');
  spec.domains.forEach((_, d) =>
    spec.tasks.forEach((t, ti) => {
      const r = cellRate(spec, d, ti);
      if (!(r > 0 && r < 1)) fail(`the positive rate of ${t.name} in domain ${d} must lie in (0, 1)`);
    }),
  );
  const { count, skew } = spec.categorical;
  if (!Number.isInteger(count) || count < 0) fail('categorical.count must be a non-negative integer');
  const cards = cardinalities(spec);
  if (cards.length !== count) fail('categorical.cardinality must list one value per field');
  if (cards.some((v) => !Number.isInteger(v) || v < 2))
    fail('categorical cardinalities must be integers ≥ 2');
  if (!(skew >= 0)) fail('categorical.skew must be ≥ 0');
  if (!Number.isInteger(spec.numeric) || spec.numeric < 0) fail('numeric must be a non-negative integer');
  if (count + spec.numeric === 0) fail('at least one feature is needed');
  const s = spec.structure;
  for (const k of ['shared', 'domainSpecific', 'taskSpecific', 'noise'] as const)
    if (!(s[k] >= 0)) fail(`structure.${k} must be ≥ 0`);
  for (const k of ['taskCorrelation', 'domainOverlap'] as const)
    if (!(s[k] >= 0 && s[k] <= 1)) fail(`structure.${k} must lie in [0, 1]`);
}
