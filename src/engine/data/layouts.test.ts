import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeDataset } from './encode';
import { KNOWN_LAYOUTS, layoutMapping, recognizeLayout, type LayoutId } from './layouts';
import { mappingFromRoles, rolesFromMapping } from './propose';
import { tableOf } from './table';
import type { DataMapping } from './types';

const fromRoot = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** The header line of the real census file in ../shared/datasets. */
function censusHeader(): string[] {
  const text = gunzipSync(readFileSync(fromRoot('../shared/datasets/census-income/census-income.csv.gz')));
  const end = text.indexOf(0x0a);
  return text.subarray(0, end).toString('utf8').trim().split(',');
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1));

/** Headers as the public processed files write them. */
const HEADERS: Record<LayoutId, string[]> = {
  census: censusHeader(),
  // MTReclib data/preprocess.py: search_id, 16 categorical, 63 numerical, click, conversion.
  aliexpress: [
    'search_id',
    ...range(16, (i) => `categorical_${i}`),
    ...range(63, (i) => `numerical_${i}`),
    'click',
    'conversion',
  ],
  // torch-rechub / Scenario-Wise-Rec ali_ccp_train_sample.csv.
  aliccp: (
    'click,purchase,101,121,122,124,125,126,127,128,129,205,206,207,210,216,508,509,702,853,301,' +
    '109_14,110_14,127_14,150_14,D109_14,D110_14,D127_14,D150_14,D508,D509,D702,D853'
  ).split(','),
  // ratings ⋈ users ⋈ movies as Scenario-Wise-Rec's ml-1m.csv.
  movielens: 'user_id,movie_id,rating,timestamp,title,genres,gender,age,occupation,zip'.split(','),
  // KuaiRand log_standard / log_random files.
  kuairand: (
    'user_id,video_id,date,hourmin,time_ms,is_click,is_like,is_follow,is_comment,is_forward,is_hate,' +
    'long_view,play_time_ms,duration_ms,profile_stay_time,comment_stay_time,is_profile_enter,is_rand,tab'
  ).split(','),
};

/** Every column a mapping names, a column of several tasks once. */
function namedColumns(m: DataMapping): string[] {
  return [
    m.domain,
    ...new Set(m.tasks.map((t) => t.column)),
    ...(m.numeric ?? []),
    ...(m.categorical ?? []),
    ...(m.hashed ?? []).map((h) => h.column),
    ...(m.ignore ?? []),
    ...(m.split === undefined ? [] : [m.split]),
  ];
}

/** A few rows of plausible cells for a header, so a mapping can be encoded. */
function sampleTable(header: string[], rows = 90) {
  const cell = (column: string, r: number): string => {
    if (column === 'split') return ['train', 'valid', 'test'][r % 3];
    if (column === 'age' && header.includes('movie_id'))
      return ['1', '18', '25', '35', '45', '50', '56'][r % 7];
    if (column === 'rating') return String(1 + (r % 5));
    if (column === 'genres') return ['Drama', 'Comedy|Romance', 'Action'][r % 3];
    // 0/1 in every other column: task sources hold both labels, feature columns a few values.
    return (r + column.length) % 4 < 2 ? '1' : '0';
  };
  return tableOf(
    header,
    Array.from({ length: rows }, (_, r) => header.map((c) => cell(c, r))),
  );
}

function shuffled<T>(xs: readonly T[]): T[] {
  // A fixed derangement-like order: reversed, then the halves swapped.
  const r = [...xs].reverse();
  const h = Math.floor(r.length / 2);
  return [...r.slice(h), ...r.slice(0, h)];
}

describe('known layouts', () => {
  const ids = Object.keys(HEADERS) as LayoutId[];

  it('has one layout per id, each with a description and required columns', () => {
    expect(KNOWN_LAYOUTS.map((l) => l.id).sort()).toEqual([...ids].sort());
    for (const l of KNOWN_LAYOUTS) {
      expect(l.description.length).toBeGreaterThan(40);
      expect(l.required.length).toBeGreaterThan(0);
    }
  });

  it.each(ids)('recognises %s from its header, shuffled and with an extra column', (id) => {
    expect(recognizeLayout(HEADERS[id])?.id).toBe(id);
    expect(recognizeLayout([...shuffled(HEADERS[id]), 'extra_feature'])?.id).toBe(id);
  });

  it.each(ids)("finds no other layout's required columns all in the %s header", (id) => {
    const header = new Set(HEADERS[id]);
    const fitting = KNOWN_LAYOUTS.filter((l) => l.required.every((c) => header.has(c))).map((l) => l.id);
    expect(fitting).toEqual([id]);
  });

  it('recognises nothing in a header that lacks a required column', () => {
    for (const l of KNOWN_LAYOUTS) {
      const header = HEADERS[l.id].filter((c) => c !== l.required[0]);
      expect(recognizeLayout(header)?.id).not.toBe(l.id);
    }
    expect(recognizeLayout(['a', 'b', 'click'])).toBeNull();
  });

  it('prefers the layout that requires the most columns when several fit', () => {
    const both = [...HEADERS.kuairand, 'movie_id', 'rating', 'gender', 'age', 'occupation', 'zip'];
    const kuairand = KNOWN_LAYOUTS.find((l) => l.id === 'kuairand')!;
    const movielens = KNOWN_LAYOUTS.find((l) => l.id === 'movielens')!;
    expect(movielens.required.length).toBeGreaterThan(kuairand.required.length);
    expect(recognizeLayout(both)?.id).toBe('movielens');
  });

  it.each(ids)('maps %s naming only columns of the header, each once', (id) => {
    const header = HEADERS[id];
    const m = recognizeLayout(header)!.mapping(header);
    const named = namedColumns(m);
    for (const c of named) expect(header).toContain(c);
    expect(new Set(named).size).toBe(named.length);
    expect(m.tasks.length).toBeGreaterThan(0);
  });

  it.each(ids.filter((id) => id !== 'census'))('shows %s in the role table exactly as it maps it', (id) => {
    const header = HEADERS[id];
    const m = recognizeLayout(header)!.mapping(header);
    const extras = { domainGroups: m.domainGroups, splitRatios: m.splitRatios, splitSeed: m.splitSeed };
    expect(mappingFromRoles(rolesFromMapping(m, header), m.tasks, extras)).toEqual(m);
  });

  it.each(ids)('gives %s a mapping the encoder accepts', (id) => {
    const header = HEADERS[id];
    const m = recognizeLayout(header)!.mapping(header);
    const ds = encodeDataset(sampleTable(header), m);
    expect(ds.schema.tasks.map((t) => t.name)).toEqual(m.tasks.map((t) => t.name));
    expect(ds.skipped.count).toBe(0);
  });

  it('names the census domains as its README does, beside the bench mapping', () => {
    const census = KNOWN_LAYOUTS.find((l) => l.id === 'census')!;
    expect(layoutMapping(census, HEADERS.census)).toEqual({
      ...census.mapping(HEADERS.census),
      domainNames: { '0': 'Female', '1': 'Male' },
    });
    const movielens = KNOWN_LAYOUTS.find((l) => l.id === 'movielens')!;
    expect(layoutMapping(movielens, HEADERS.movielens).domainNames).toBeUndefined();
  });

  it('maps the real census header to exactly the data block of the census bench experiment', () => {
    const bench = JSON.parse(readFileSync(fromRoot('bench/experiments/census-mmoe.json'), 'utf8')) as {
      data: DataMapping;
    };
    const { path, ...data } = bench.data;
    expect(path).toContain('census-income.csv.gz');
    const header = HEADERS.census;
    expect(header).toHaveLength(44);
    expect(recognizeLayout(header)!.mapping(header)).toEqual(data);
  });

  describe('aliexpress', () => {
    const layout = KNOWN_LAYOUTS.find((l) => l.id === 'aliexpress')!;

    it('maps CTR and CTCVR, the numerical columns numeric and the categorical ones categorical', () => {
      const m = layout.mapping(HEADERS.aliexpress);
      expect(m.tasks).toEqual([
        { name: 'ctr', column: 'click', rule: '== 1' },
        { name: 'ctcvr', column: 'conversion', rule: '== 1' },
      ]);
      expect(m.numeric).toHaveLength(63);
      expect(m.categorical).toHaveLength(16);
    });

    it('makes one country file one domain, through search_id merged whole', () => {
      const header = HEADERS.aliexpress;
      const m = layout.mapping(header);
      expect(m.domain).toBe('search_id');
      expect(encodeDataset(sampleTable(header), m).schema.domains).toEqual(['all']);
    });

    it('takes a country column added to joined country files as the domain', () => {
      const header = [...HEADERS.aliexpress, 'country'];
      const m = layout.mapping(header);
      expect(m.domain).toBe('country');
      expect(m.domainGroups).toBeUndefined();
      expect(m.ignore).toEqual(['search_id']);
    });
  });

  it('maps Ali-CCP: scenario 301, the D columns numeric, the large id fields hashed', () => {
    const m = recognizeLayout(HEADERS.aliccp)!.mapping(HEADERS.aliccp);
    expect(m.domain).toBe('301');
    expect(m.tasks.map((t) => `${t.column} ${t.rule}`)).toEqual(['click == 1', 'purchase == 1']);
    expect(m.numeric).toEqual(['D109_14', 'D110_14', 'D127_14', 'D150_14', 'D508', 'D509', 'D702', 'D853']);
    expect(m.hashed?.map((h) => h.column)).toEqual(expect.arrayContaining(['101', '205', '207', '216']));
    expect(m.categorical).toEqual(expect.arrayContaining(['121', '122', '124', '125', '206']));
  });

  it('maps MovieLens: three age groups as domains, click and like from the rating', () => {
    const header = HEADERS.movielens;
    const m = recognizeLayout(header)!.mapping(header);
    expect(m.tasks).toEqual([
      { name: 'click', column: 'rating', rule: '> 3' },
      { name: 'like', column: 'rating', rule: '> 4' },
    ]);
    expect(m.ignore).toEqual(['timestamp', 'title']);
    expect(m.categorical).toEqual(['user_id', 'movie_id', 'genres', 'gender', 'occupation', 'zip']);
    // Ages 1 and 18, 25, and 35 to 56: the groups of M3oE's recipe.
    expect(encodeDataset(sampleTable(header), m).schema.domains).toEqual(['<25', '25–34', '≥35']);
  });

  it('maps KuaiRand: tab as the domain, outcomes after the impression ignored', () => {
    const header = HEADERS.kuairand;
    const m = recognizeLayout(header)!.mapping(header);
    expect(m.domain).toBe('tab');
    expect(m.tasks.map((t) => t.column)).toEqual(['is_click', 'long_view', 'is_like']);
    expect(m.ignore).toEqual(
      expect.arrayContaining([
        'play_time_ms',
        'profile_stay_time',
        'comment_stay_time',
        'is_follow',
        'is_hate',
      ]),
    );
    expect(m.numeric).toEqual(['duration_ms']);
    expect(m.hashed).toEqual([{ column: 'video_id', buckets: 2 ** 16 }]);
  });

  it('maps the Scenario-Wise-Rec KuaiRand file, which keeps is_click only, with that task', () => {
    const header = (
      'user_id,video_id,is_click,play_time_ms,duration_ms,profile_stay_time,comment_stay_time,tab,' +
      'user_active_degree,is_lowactive_period,follow_user_num,register_days'
    ).split(',');
    const m = recognizeLayout(header)!.mapping(header);
    expect(m.tasks.map((t) => t.column)).toEqual(['is_click']);
    expect(m.categorical).toEqual(
      expect.arrayContaining(['user_active_degree', 'is_lowactive_period', 'follow_user_num']),
    );
  });
});
