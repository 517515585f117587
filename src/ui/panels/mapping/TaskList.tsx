import { useState } from 'react';
import type { ColumnProfile } from '../../../engine/data/profile';
import type { TaskSpec } from '../../../engine/data/types';
import { useStore } from '../../state/store';
import { rolesFromMapping } from '../../../engine/data/propose';
import { newTask, setColumnRole, setTasks } from './mappingEdit';

/**
 * The tasks: each a name, a source column and a rule turning it into a 0/1 label. One column may give several
 * tasks (click = rating > 3, like = rating > 4). A column that no longer gives any task is ignored (a label
 * used as a feature would leak the answer), and the list says so, with a way to make it a feature.
 */
export function TaskList({ header, profiles }: { header: string[]; profiles: ColumnProfile[] }) {
  const mapping = useStore((s) => s.experiment.data);
  const setMapping = useStore((s) => s.setMapping);
  const [addColumn, setAddColumn] = useState(header[0] ?? '');
  /** Columns the last edit turned from a task source into ignored ones. */
  const [freed, setFreed] = useState<string[]>([]);
  const update = (tasks: TaskSpec[]) => {
    const next = setTasks(mapping, header, tasks);
    const was = new Map(rolesFromMapping(mapping, header).map((r) => [r.column, r.role]));
    setFreed(
      rolesFromMapping(next, header).flatMap((r) =>
        r.role === 'ignore' && was.get(r.column) === 'task' ? [r.column] : [],
      ),
    );
    setMapping(next);
  };
  // A notice lasts while its column is still ignored (the role table may have changed it since).
  const ignored = new Set(
    rolesFromMapping(mapping, header).flatMap((r) => (r.role === 'ignore' ? [r.column] : [])),
  );
  const makeFeature = (column: string) => {
    setMapping(setColumnRole(mapping, header, profiles, column, 'categorical'));
    setFreed((f) => f.filter((c) => c !== column));
  };
  const edit = (i: number, change: Partial<TaskSpec>) =>
    update(mapping.tasks.map((t, j) => (j === i ? { ...t, ...change } : t)));

  return (
    <fieldset className="task-list" data-testid="task-list">
      <legend>Tasks (binary labels)</legend>
      {mapping.tasks.length === 0 && <p className="inline-error">No task yet: add one below.</p>}
      {mapping.tasks.map((t, i) => (
        <div className="task-row" key={i} data-testid={`task-${i}`}>
          <input
            aria-label={`Name of task ${i + 1}`}
            value={t.name}
            onChange={(e) => edit(i, { name: e.target.value })}
          />
          <span>=</span>
          <select
            aria-label={`Column of task ${i + 1}`}
            value={t.column}
            onChange={(e) => edit(i, { column: e.target.value })}
          >
            {header.map((h) => (
              <option key={h}>{h}</option>
            ))}
          </select>
          <input
            aria-label={`Rule of task ${i + 1}`}
            className="rule"
            value={t.rule}
            title="== 1, != 0, > 3, >= 4, < 2, <= 2, in {a,b}"
            onChange={(e) => edit(i, { rule: e.target.value })}
          />
          <button
            type="button"
            aria-label={`Remove task ${t.name}`}
            onClick={() => update(mapping.tasks.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      {freed
        .filter((c) => ignored.has(c))
        .map((column) => (
          <p key={column} className="notice" role="status" data-testid="freed-task-column">
            <code>{column}</code> no longer gives a task, so it is now ignored: a label used as a feature
            would leak the answer.{' '}
            <button type="button" className="small" onClick={() => makeFeature(column)}>
              Use {column} as a categorical feature
            </button>
          </p>
        ))}
      <div className="task-row">
        <select
          aria-label="Column of the new task"
          value={addColumn}
          onChange={(e) => setAddColumn(e.target.value)}
        >
          {header.map((h) => (
            <option key={h}>{h}</option>
          ))}
        </select>
        <button
          type="button"
          onClick={() => update([...mapping.tasks, newTask(mapping, profiles, addColumn)])}
        >
          Add task
        </button>
      </div>
    </fieldset>
  );
}
