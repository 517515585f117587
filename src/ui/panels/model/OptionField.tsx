import type { OptionSpec } from '../../../engine/models/catalog';
import { DraftInput, formatAny, parseNumber, parseNumberList } from '../../common/DraftInput';
import { FieldProblem } from '../../common/FieldProblem';

/** One model option, its input chosen by the option's kind; the catalog's help text is the tooltip. */
export function OptionField(props: {
  spec: OptionSpec;
  value: unknown;
  problem: string | null;
  onChange: (v: unknown) => void;
}) {
  const { spec, value, problem, onChange } = props;
  const id = `option-${spec.key}`;
  const problemId = `${id}-problem`;
  const hint =
    spec.kind === 'int' || spec.kind === 'number'
      ? `${spec.min}–${spec.max}`
      : spec.kind === 'intList'
        ? 'e.g. 64, 32'
        : '';
  return (
    <div className="field" title={spec.help}>
      <label htmlFor={id}>
        {spec.label}
        {hint && <span className="hint"> {hint}</span>}
      </label>
      {spec.kind === 'choice' ? (
        <select id={id} data-testid={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {spec.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      ) : spec.kind === 'bool' ? (
        <input
          id={id}
          data-testid={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
      ) : (
        <DraftInput<unknown>
          id={id}
          testId={id}
          value={value}
          problemId={problem === null ? undefined : problemId}
          inputMode={spec.kind === 'int' ? 'numeric' : spec.kind === 'number' ? 'decimal' : 'text'}
          format={formatAny}
          parse={spec.kind === 'intList' ? parseNumberList : parseNumber}
          onChange={onChange}
        />
      )}
      <FieldProblem id={problemId} problem={problem} />
    </div>
  );
}
