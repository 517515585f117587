/**
 * Public multi-domain, multi-task datasets recognised by their header and mapped in one click, as the papers
 * and libraries that made them use them. Each mapping names only columns of the header it is given.
 */
import { mappingFromRoles, type ColumnRole, type RoleRow } from './propose';
import type { DataMapping, TaskSpec } from './types';

export type LayoutId = 'census' | 'aliexpress' | 'aliccp' | 'movielens' | 'kuairand';

export interface KnownLayout {
  id: LayoutId;
  name: string;
  /** One sentence: what the file is, where it comes from, and the mapping choices that are not obvious. */
  description: string;
  /** Columns that must all be in the header; more columns and any order are fine. */
  required: string[];
  /** The mapping (no path) for a header that holds every required column. */
  mapping(header: readonly string[]): DataMapping;
  /** Names of the domain values where the dataset documents them (census: 0 = Female, 1 = Male). */
  domainNames?: Record<string, string>;
}

/** The layout's mapping for this header, with the names of its domains where it knows them. */
export function layoutMapping(layout: KnownLayout, header: readonly string[]): DataMapping {
  const mapping = layout.mapping(header);
  return layout.domainNames ? { ...mapping, domainNames: { ...layout.domainNames } } : mapping;
}

/** Id columns hashed by a layout: 65,536 rows × 16 dims = 4 MB of embedding per field, whatever the file. */
const ID_BUCKETS = 2 ** 16;

/**
 * A mapping from roles by column name: `byName` gives the role of the columns it knows, every other column of
 * the header gets `rest`. Built through the role table, so the page's editor shows exactly this mapping.
 */
function fromRoles(
  header: readonly string[],
  byName: (column: string) => ColumnRole | undefined,
  rest: ColumnRole,
  tasks: TaskSpec[],
  extras: Pick<DataMapping, 'domainGroups'> = {},
): DataMapping {
  const roles = header.map((column): RoleRow => {
    const role = byName(column) ?? rest;
    return role === 'hashed' ? { column, role, buckets: ID_BUCKETS } : { column, role };
  });
  return mappingFromRoles(roles, tasks, extras);
}

const census: KnownLayout = {
  id: 'census',
  name: 'Census-Income (KDD)',
  description:
    'The UCI Census-Income (KDD) file of the MMoE paper as prepared in ../shared/datasets: domain = sex, tasks income > 50k and never married, its fixed train/valid/test split.',
  required: [
    'domain_sex',
    'y_income_50k',
    'y_never_married',
    'split',
    'instance_weight',
    'age',
    'wage_per_hour',
    'capital_gains',
    'capital_losses',
    'stock_dividends',
    'num_emp',
    'weeks_worked',
  ],
  // The data block of bench/experiments/census-mmoe.json: every column not named is categorical.
  mapping: () => ({
    domain: 'domain_sex',
    tasks: [
      { name: 'income', column: 'y_income_50k', rule: '== 1' },
      { name: 'never_married', column: 'y_never_married', rule: '== 1' },
    ],
    numeric: [
      'age',
      'wage_per_hour',
      'capital_gains',
      'capital_losses',
      'stock_dividends',
      'num_emp',
      'weeks_worked',
    ],
    categorical: [],
    ignore: ['instance_weight'],
    split: 'split',
  }),
  // ../shared/datasets/README.md: domain_sex 0 = Female, 1 = Male.
  domainNames: { '0': 'Female', '1': 'Male' },
};

/** Columns a person may add to say which country (scenario) a row of joined AliExpress files is from. */
const ALIEXPRESS_DOMAIN_NAMES = ['country', 'domain', 'scenario'];

const aliexpress: KnownLayout = {
  id: 'aliexpress',
  name: 'AliExpress (MTReclib)',
  description:
    "AliExpress search logs (Tianchi dataset 74690) as processed by MTReclib (easezyc/Multitask-Recommendation-Library), tasks CTR = click and CTCVR = conversion; the dataset's scenarios are its countries and MTReclib writes one file per country, so a country/domain/scenario column you add when joining country files is the domain, and a single country file is one domain, as MTReclib trains it.",
  required: ['click', 'conversion', 'categorical_1', 'numerical_1'],
  mapping(header) {
    const domain = ALIEXPRESS_DOMAIN_NAMES.find((n) => header.includes(n));
    const tasks = [
      { name: 'ctr', column: 'click', rule: '== 1' },
      // The processing writes conversion = 1 only with click = 1, so this label is click-and-convert.
      { name: 'ctcvr', column: 'conversion', rule: '== 1' },
    ];
    if (domain !== undefined) {
      return fromRoles(header, (c) => (c === domain ? 'domain' : aliexpressRole(c)), 'categorical', tasks);
    }
    // search_id is the query a row came from, the join key MTReclib's loader drops. Every row merges into
    // one domain because each value has fewer rows than minRows.
    return fromRoles(
      header,
      (c) => (c === 'search_id' ? 'domain' : aliexpressRole(c)),
      'categorical',
      tasks,
      {
        domainGroups: { minRows: Number.MAX_SAFE_INTEGER, other: 'all' },
      },
    );
  },
};

function aliexpressRole(column: string): ColumnRole | undefined {
  if (column === 'click' || column === 'conversion') return 'task';
  if (/^numerical_\d+$/.test(column)) return 'numeric';
  if (/^categorical_\d+$/.test(column)) return 'categorical';
  // The query id of the search page: not a feature in MTReclib.
  if (column === 'search_id') return 'ignore';
  return undefined;
}

/**
 * Ali-CCP fields (ESMM paper): 101 user, 121–129 user profile, 205 item, 206 category, 207 shop,
 * 210 intention, 216 brand, 301 position (the scenario), 109_14/110_14/127_14/150_14 user histories (one
 * value kept by the processing), 508/509/702/853 their crosses with the item's 206/207/216/210; the
 * D-prefixed columns are the scaled weights of the histories and crosses.
 */
const ALICCP_DENSE = /^D(109_14|110_14|127_14|150_14|508|509|702|853)$/;
/** Fields with tens to hundreds of thousands of ids in the full data: hashed to bound the embedding table. */
const ALICCP_HASHED = new Set([
  '101',
  '205',
  '207',
  '210',
  '216',
  '509',
  '702',
  '853',
  '110_14',
  '127_14',
  '150_14',
]);

const aliccp: KnownLayout = {
  id: 'aliccp',
  name: 'Ali-CCP (Taobao)',
  description:
    'Ali-CCP, the Taobao click and conversion log of the ESMM paper (Tianchi dataset 408), as processed by torch-rechub and Scenario-Wise-Rec: domain = field 301 (the scenario), tasks CTR = click and CTCVR = purchase, the D-prefixed columns numeric and the large id fields hashed.',
  required: ['click', 'purchase', '301', '101', '205'],
  mapping: (header) =>
    fromRoles(
      header,
      (c) => {
        if (c === '301') return 'domain';
        if (c === 'click' || c === 'purchase') return 'task';
        if (ALICCP_DENSE.test(c)) return 'numeric';
        return ALICCP_HASHED.has(c) ? 'hashed' : undefined;
      },
      'categorical',
      [
        { name: 'ctr', column: 'click', rule: '== 1' },
        // The processing drops purchases without a click, so purchase = 1 is click-and-buy.
        { name: 'ctcvr', column: 'purchase', rule: '== 1' },
      ],
    ),
};

/**
 * ML-1M age codes (1: under 18, 18, 25, 35, 45, 50, 56+) in the three groups of M3oE's MovieLens recipe,
 * {1, 18}, {25} and {35, 45, 50, 56}: ranges "<25", "25–34" and "≥35".
 */
const MOVIELENS_AGE_BINS = [25, 35];

const movielens: KnownLayout = {
  id: 'movielens',
  name: 'MovieLens-1M (ratings × users × movies)',
  description:
    "MovieLens-1M ratings joined with users and movies (GroupLens) as in M3oE's recipe (Scenario-Wise-Rec): domains = the age groups <25, 25–34 and ≥35 (ML-1M age codes 1 and 18, 25, 35 to 56), tasks click = rating > 3 and like = rating > 4, ids as categorical features.",
  required: ['user_id', 'movie_id', 'rating', 'gender', 'age', 'occupation', 'zip'],
  mapping: (header) =>
    fromRoles(
      header,
      (c) => {
        if (c === 'age') return 'domain';
        if (c === 'rating') return 'task';
        // When a rating was made is not a property of user or movie; the title repeats movie_id.
        if (c === 'timestamp' || c === 'title') return 'ignore';
        return undefined;
      },
      // 6,040 users, 3,706 movies, 3,439 zip codes: small enough for exact vocabularies.
      'categorical',
      [
        { name: 'click', column: 'rating', rule: '> 3' },
        { name: 'like', column: 'rating', rule: '> 4' },
      ],
      { domainGroups: { bins: MOVIELENS_AGE_BINS } },
    ),
};

/**
 * KuaiRand outcomes other than the tasks, and the times spent watching, are measured after the impression:
 * as features they would leak the labels (a long play_time_ms is long_view).
 */
const KUAIRAND_AFTER_IMPRESSION = new Set([
  'play_time_ms',
  'profile_stay_time',
  'comment_stay_time',
  'is_follow',
  'is_comment',
  'is_forward',
  'is_hate',
  'is_profile_enter',
]);
/** The tasks, those of them in the file: Scenario-Wise-Rec's processed KuaiRand keeps is_click only. */
const KUAIRAND_TASKS = ['is_click', 'long_view', 'is_like'];

const kuairand: KnownLayout = {
  id: 'kuairand',
  name: 'KuaiRand (Kuaishou)',
  description:
    'KuaiRand video logs from Kuaishou (kuairand.com), as in Scenario-Wise-Rec: domain = tab (the page the video was shown on), tasks is_click, long_view and is_like, outcomes measured after the impression ignored.',
  required: ['user_id', 'video_id', 'tab', 'is_click'],
  mapping: (header) =>
    fromRoles(
      header,
      (c) => {
        // Every tab is a domain; Scenario-Wise-Rec keeps the five largest (0, 1, 2, 4, 6) and drops the rest
        // of the rows, which domainGroups.minRows would instead merge into one.
        if (c === 'tab') return 'domain';
        if (KUAIRAND_TASKS.includes(c)) return 'task';
        if (KUAIRAND_AFTER_IMPRESSION.has(c)) return 'ignore';
        // Timestamps and the day identify when, not what; hourmin (time of day) stays a feature.
        if (c === 'time_ms' || c === 'date') return 'ignore';
        if (c === 'duration_ms') return 'numeric';
        // KuaiRand-1K logs millions of videos.
        if (c === 'video_id') return 'hashed';
        return undefined;
      },
      'categorical',
      KUAIRAND_TASKS.filter((c) => header.includes(c)).map((column) => ({
        name: column,
        column,
        rule: '== 1',
      })),
    ),
};

export const KNOWN_LAYOUTS: readonly KnownLayout[] = [census, aliexpress, aliccp, movielens, kuairand];

/** The layout whose required columns are all in the header; when several fit, the one requiring most. */
export function recognizeLayout(header: readonly string[]): KnownLayout | null {
  const present = new Set(header);
  let best: KnownLayout | null = null;
  for (const layout of KNOWN_LAYOUTS) {
    if (!layout.required.every((c) => present.has(c))) continue;
    if (best === null || layout.required.length > best.required.length) best = layout;
  }
  return best;
}
