import { describe, expect, it } from 'vitest';
import { profileTable } from '../../../engine/data/profile';
import { tableOf } from '../../../engine/data/table';
import type { DataMapping } from '../../../engine/data/types';
import { newTask, setColumnRole, setTasks } from './mappingEdit';

const header = ['country', 'tab', 'rating', 'clicked', 'price'];
const table = tableOf(header, [
  ['nl', 'home', '5', 'yes', '1.5'],
  ['fr', 'feed', '2', 'no', '3.5'],
  ['nl', 'feed', '4', 'no', '2.0'],
]);
const profiles = profileTable(table).columns;
const base: DataMapping = {
  path: 'mine.csv',
  sha256: 'ab',
  domain: 'country',
  tasks: [{ name: 'rating', column: 'rating', rule: '> 3' }],
  numeric: ['price'],
  categorical: ['tab', 'clicked'],
  splitSeed: 7,
};

describe('editing an upload mapping through its role table', () => {
  it('moves the domain: the displaced column becomes a feature, the file and split settings stay', () => {
    const m = setColumnRole(base, header, profiles, 'tab', 'domain');
    expect(m.domain).toBe('tab');
    expect(m.categorical).toContain('country');
    expect(m).toMatchObject({ path: 'mine.csv', sha256: 'ab', splitSeed: 7 });
  });

  it('a column made a task gets a rule on its positive value; unmade, its tasks go', () => {
    const m = setColumnRole(base, header, profiles, 'clicked', 'task');
    expect(m.tasks).toContainEqual({ name: 'clicked', column: 'clicked', rule: '== yes' });
    expect(m.categorical).not.toContain('clicked');
    const back = setColumnRole(m, header, profiles, 'clicked', 'ignore');
    expect(back.tasks.map((t) => t.column)).toEqual(['rating']);
    expect(back.ignore).toContain('clicked');
  });

  it('several tasks from one column; a column that loses its last task is ignored, not used as a feature', () => {
    const like = newTask(base, profiles, 'rating');
    expect(like.name).toBe('rating_2');
    const two = setTasks(base, header, [...base.tasks, { ...like, name: 'like', rule: '> 4' }]);
    expect(two.tasks.map((t) => [t.name, t.rule])).toEqual([
      ['rating', '> 3'],
      ['like', '> 4'],
    ]);
    const none = setTasks(two, header, []);
    expect(none.tasks).toEqual([]);
    expect(none.ignore).toContain('rating');
    expect(none.numeric).not.toContain('rating');
  });

  it('hashed columns get buckets', () => {
    const m = setColumnRole(base, header, profiles, 'tab', 'hashed');
    expect(m.hashed).toEqual([{ column: 'tab', buckets: 65536 }]);
  });
});
