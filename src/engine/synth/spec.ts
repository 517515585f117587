/** The recipe of a synthetic dataset: its shape and how strong each planted kind of signal is. */

export interface SynthDomain {
  name: string;
  /** Relative share of the rows (normalised over the domains). */
  weight: number;
  /** Multiplies every task's base rate in this domain (default 1), so domains also differ in their priors. */
  rateScale?: number;
  /** Multiplies the weight of the user·item latent piece in this domain (default 1; needs `latent`). */
  latentScale?: number;
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

/** Optional details of one categorical field; without them field k is column `c{k+1}` with values `c{k+1}_{v}`. */
export interface SynthField {
  /** Column name. */
  name: string;
  /** Written before a value's index, e.g. `u` for `u123` (default `{name}_`). */
  prefix?: string;
  /** Zipf exponent of this field's value frequencies (default categorical.skew). */
  skew?: number;
  /** How alike domains are in this field's value frequencies (default structure.domainOverlap). */
  domainOverlap?: number;
  /**
   * An earlier field this one is a fixed function of (an item's category, a user's segment): each parent value
   * gets one value of this field, drawn Zipf over its values, so some groups are larger than others.
   */
  parent?: string;
}

/**
 * A latent-factor interaction: every user value has a taste vector P_u, every item value a trait vector Q_i
 * (both N(0, I) of width `dim`), and each planted component adds the piece [P_u, 1]ᵀ M [Q_i, 1] with its own
 * random (dim+1)² matrix M (an interaction plus a user and an item bias along the factors): the same tastes and
 * traits, valued differently by shared, domain and task components. User and item act through it alone.
 */
export interface SynthLatent {
  /** Names of the user and item fields. */
  user: string;
  item: string;
  /** Width of the factor vectors. */
  dim: number;
  /** Weight of the latent piece in every component, in [0, 1); the other pieces are scaled by √(1 − weight²). */
  weight: number;
  /**
   * In [0, 1]: share of an item's traits (a user's tastes) inherited from its group, its value in the first
   * field derived from it (category, segment), where there is one; the rest is its own. 0 = ids only.
   */
  groupShare?: number;
}

/** A categorical field with every default applied. */
export interface ResolvedField {
  name: string;
  prefix: string;
  cardinality: number;
  skew: number;
  domainOverlap: number;
  /** Index of the parent field, −1 for none. */
  parent: number;
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
    /** Per-field names and overrides, one per field (default: `c1`…`cK` with the settings above). */
    fields?: SynthField[];
  };
  /** Number of Gaussian numeric fields. */
  numeric: number;
  /** Their column names (default `n1`…`nM`). */
  numericNames?: string[];
  structure: SynthStructure;
  latent?: SynthLatent;
}

export function cardinalities(spec: SynthSpec): number[] {
  const { count, cardinality } = spec.categorical;
  return Array.isArray(cardinality) ? cardinality.slice() : Array.from({ length: count }, () => cardinality);
}

export function resolveFields(spec: SynthSpec): ResolvedField[] {
  const details = spec.categorical.fields;
  return cardinalities(spec).map((cardinality, k) => {
    const f = details?.[k];
    const name = f?.name ?? `c${k + 1}`;
    return {
      name,
      prefix: f?.prefix ?? `${name}_`,
      cardinality,
      skew: f?.skew ?? spec.categorical.skew,
      domainOverlap: f?.domainOverlap ?? spec.structure.domainOverlap,
      parent: f?.parent === undefined ? -1 : details!.findIndex((p) => p.name === f.parent),
    };
  });
}

export function numericNames(spec: SynthSpec): string[] {
  return spec.numericNames?.slice() ?? Array.from({ length: spec.numeric }, (_, j) => `n${j + 1}`);
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
  const { count, skew, fields } = spec.categorical;
  if (fields !== undefined && fields.length !== count) fail('categorical.fields must describe every field');
  if (spec.numericNames !== undefined && spec.numericNames.length !== spec.numeric)
    fail('numericNames must name every numeric field');
  const featureNames = [
    ...(fields?.map((f) => f.name) ?? Array.from({ length: count }, (_, k) => `c${k + 1}`)),
    ...numericNames(spec),
  ];
  if (featureNames.some((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n)))
    fail('feature names must be identifiers (they go into CSV unquoted)');
  if (new Set(featureNames).size !== featureNames.length) fail('feature names must be distinct');
  if (spec.tasks.some((t) => ['domain', 'split', ...featureNames].includes(t.name)))
    fail('a task name clashes with a column name');
  spec.domains.forEach((_, d) =>
    spec.tasks.forEach((t, ti) => {
      const r = cellRate(spec, d, ti);
      if (!(r > 0 && r < 1)) fail(`the positive rate of ${t.name} in domain ${d} must lie in (0, 1)`);
    }),
  );
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
  fields?.forEach((f, k) => validateField(f, k, fields, fail));
  validateLatent(spec, fail);
}

function validateField(f: SynthField, k: number, fields: SynthField[], fail: (msg: string) => never): void {
  const at = `categorical.fields[${k}] (${f.name})`;
  if (f.prefix !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(f.prefix))
    fail(
      `${at}: prefix must start with a letter and hold letters, digits or _ (values must not read as numbers)`,
    );
  if (f.skew !== undefined && !(f.skew >= 0)) fail(`${at}: skew must be ≥ 0`);
  if (f.domainOverlap !== undefined && !(f.domainOverlap >= 0 && f.domainOverlap <= 1))
    fail(`${at}: domainOverlap must lie in [0, 1]`);
  if (f.parent !== undefined && !fields.slice(0, k).some((p) => p.name === f.parent))
    fail(`${at}: parent "${f.parent}" must name an earlier field`);
}

function validateLatent(spec: SynthSpec, fail: (msg: string) => never): void {
  const l = spec.latent;
  if (!l) {
    if (spec.domains.some((d) => d.latentScale !== undefined))
      fail('a domain latentScale needs a latent block');
    return;
  }
  const names = resolveFields(spec).map((f) => f.name);
  for (const k of ['user', 'item'] as const)
    if (!names.includes(l[k])) fail(`latent.${k} "${l[k]}" must name a categorical field`);
  if (l.user === l.item) fail('latent.user and latent.item must be different fields');
  if (!Number.isInteger(l.dim) || l.dim < 1) fail('latent.dim must be an integer ≥ 1');
  if (!(l.weight >= 0 && l.weight < 1)) fail('latent.weight must lie in [0, 1)');
  if (l.groupShare !== undefined && !(l.groupShare >= 0 && l.groupShare <= 1))
    fail('latent.groupShare must lie in [0, 1]');
  if (spec.domains.some((d) => d.latentScale !== undefined && !(d.latentScale >= 0)))
    fail('domain latentScale must be ≥ 0');
}
