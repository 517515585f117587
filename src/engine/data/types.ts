/** The column mapping (the `data` block of an experiment) and the encoded, columnar dataset it produces. */
import type { Leak } from './leakage';
import type { CaseOnlyMatch } from './rules';

export type SplitName = 'train' | 'valid' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'valid', 'test'];

export interface TaskSpec {
  /** Name shown in the UI and used as metric key. */
  name: string;
  /** Source column. */
  column: string;
  /** Rule turning the column into a 0/1 label: `== 1`, `!= 0`, `> 3`, `>= 4`, `< 2`, `<= 2`, `in {a,b}`. */
  rule: string;
}

export interface DataMapping {
  /** Bundled dataset id (UI) or a file path (bench); exactly one names the source. */
  dataset?: string;
  path?: string;
  /** Domain (scenario) column. */
  domain: string;
  tasks: TaskSpec[];
  /** Numeric feature columns. */
  numeric?: string[];
  /** Categorical feature columns; empty or absent = every column not named elsewhere. */
  categorical?: string[];
  ignore?: string[];
  /** Column holding `train` / `valid` / `test`; without it a seeded random split. */
  split?: string;
  /** Ratios of the seeded random split (train, valid, test); default [0.8, 0.1, 0.1]. */
  splitRatios?: [number, number, number];
  /** Seed of the random split; default 1. */
  splitSeed?: number;
  /** Fewer, larger domains from the domain column's values (age ranges, rare values merged). */
  domainGroups?: DomainGrouping;
  /** Categorical columns with very many values (ids), encoded by hashing into a fixed number of buckets. */
  hashed?: HashedColumn[];
  /** SHA-256 (hex) of the uploaded file's bytes: a shared experiment names the exact file it was run on. */
  sha256?: string;
  /**
   * Names to show for domain values (after grouping), e.g. { "0": "Female", "1": "Male" }: display only, the
   * encoding and every metric key stay the values themselves.
   */
  domainNames?: Record<string, string>;
}

export interface DomainGrouping {
  /**
   * Ascending numeric cut points: a value v goes to the range [b(i-1), b(i)) that holds it, named "<b0", …,
   * "≥bn". A range between whole cut points is named by the whole numbers it holds ([18, 25) is "18–24", [3, 4)
   * is "3"), any other by its cut points ("0.5–1.5"). Ages [18, 25, 35, 45, 56] give "<18", "18–24", …, "≥56".
   * A non-numeric value is an unusable row, counted and reported.
   */
  bins?: number[];
  /** Values (after binning) with fewer rows than this in the whole file are merged into `other`. */
  minRows?: number;
  /** Name of the merged domain; default "other". */
  other?: string;
}

export interface HashedColumn {
  column: string;
  /** Ids 1..buckets (0 stays the missing-value id); collisions are the price of a bounded table. */
  buckets: number;
}

/** Bound on hash buckets per column: 2^24 rows of a 16-wide float32 embedding are already 1 GiB. */
export const MAX_HASH_BUCKETS = 1 << 24;

export interface CategoricalField {
  column: string;
  /** Vocabulary fitted on the train split; index 0 of the field is out-of-vocabulary, value i is id i + 1. */
  vocab: string[];
  /** Offset of this field's ids in the one shared embedding table. */
  offset: number;
  /** vocab.length + 1 (the OOV slot), or hashBuckets + 1 (the missing-value slot). */
  size: number;
  /** Set for a hashed column: a value's id is 1 + FNV-1a 32 of its UTF-8 bytes mod hashBuckets; vocab is empty. */
  hashBuckets?: number;
}

export interface NumericField {
  column: string;
  /** Standardisation fitted on the train split; missing values become 0 (the train mean) after scaling. */
  mean: number;
  std: number;
}

export interface DatasetSchema {
  domainColumn: string;
  /** Domain names; a domain id indexes this list. */
  domains: string[];
  tasks: TaskSpec[];
  categorical: CategoricalField[];
  numeric: NumericField[];
  /** Rows of the shared embedding table (sum of field sizes). */
  vocabSize: number;
}

/** Rows of the file that could not be used, counted and reported, never silently dropped. */
export interface SkippedRows {
  count: number;
  /** The first few, for the message shown to the user (1-based file rows, header = row 1). */
  examples: { row: number; reason: string }[];
}

export interface EncodedDataset {
  schema: DatasetSchema;
  numRows: number;
  /** numRows × numCat ids into the shared embedding table, row-major. */
  cat: Int32Array;
  /** numRows × numNum standardised values, row-major. */
  num: Float32Array;
  /** numRows domain ids. */
  domain: Int32Array;
  /** numRows × numTasks labels in {0, 1}. */
  labels: Float32Array;
  /** numRows × numTasks: 1 where the label is known, 0 where the source cell was missing. */
  labelMask: Uint8Array;
  /** Row indices of each split. */
  splits: Record<SplitName, Int32Array>;
  skipped: SkippedRows;
  /**
   * Per feature or task source column: cells missing under the column's reading (values.ts isMissingCell, the
   * definition the mapping table uses too): blank categories, blank or NA/null/… numbers and labels.
   */
  missing: Record<string, number>;
  /** Per numeric column that has them: cells that are neither a decimal number nor missing. */
  unparseable: Record<string, UnparseableCells>;
  /** Task rule values that some train values of the column meet only when case is ignored. */
  caseMismatches: CaseMismatch[];
  /** Feature columns that determine a task's label on the train split. */
  leaks: Leak[];
  /** Per categorical or hashed column: what its vocabulary holds and leaves out. */
  fieldCounts: Record<string, FieldCounts>;
  /** What the reader noticed but could work around (a delimiter the file name did not promise). */
  notes: string[];
}

/** Cells of a numeric column that are not decimal numbers ("2,75", "inf", "0x1A"): imputed like missing ones. */
export interface UnparseableCells {
  cells: number;
  /** File row of the first one. */
  firstRow: number;
  /** Up to a few distinct ones, in file order. */
  examples: string[];
}

/** A task rule whose value some train values of its column spell in another case, besides exact matches. */
export interface CaseMismatch extends CaseOnlyMatch {
  task: string;
  column: string;
  rule: string;
  /** The label the rule gives those values. */
  label: 0 | 1;
}

/** What the encoder saw in one categorical or hashed column, for the data report. */
export interface FieldCounts {
  /** Distinct non-blank values over all rows. */
  distinct: number;
  /** Train values left out of the vocabulary by maxVocabPerField (0 for a hashed column). */
  cappedValues: number;
  /** Non-blank cells (all splits) that share the out-of-vocabulary id: capped off or unseen in train. */
  oovRows: number;
}

/** Dimensions a model is built for. */
export interface DataShape {
  numCat: number;
  numNum: number;
  vocabSize: number;
  numDomains: number;
  numTasks: number;
  domainNames: string[];
  taskNames: string[];
}

export function dataShapeOf(schema: DatasetSchema): DataShape {
  return {
    numCat: schema.categorical.length,
    numNum: schema.numeric.length,
    vocabSize: schema.vocabSize,
    numDomains: schema.domains.length,
    numTasks: schema.tasks.length,
    domainNames: schema.domains.slice(),
    taskNames: schema.tasks.map((t) => t.name),
  };
}

/** A data problem the UI shows as is: it names the column and/or row at fault. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly column?: string,
    readonly row?: number,
  ) {
    super(message);
    this.name = 'DataError';
  }
}
