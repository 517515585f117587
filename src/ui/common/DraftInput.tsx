import { useState } from 'react';

/**
 * A text input over a parsed value. It keeps what was typed ("1." or "64, " mid-edit) while passing the parsed
 * value up on each keystroke, and shows the value again when it changes from elsewhere (a preset, the JSON).
 */
export function DraftInput<T>(props: {
  value: T;
  format: (v: T) => string;
  parse: (text: string) => T;
  onChange: (v: T) => void;
  testId: string;
  id?: string;
  invalid?: boolean;
  /** The element saying what is wrong with the value: marks the input invalid and describes it. */
  problemId?: string;
  title?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
}) {
  const { value, format, parse, onChange } = props;
  const invalid = props.invalid === true || props.problemId !== undefined;
  const [draft, setDraft] = useState({ text: format(value), value });
  // Derived state: a new value from outside replaces the draft (React's documented pattern, no effect needed).
  if (!Object.is(draft.value, value)) setDraft({ text: format(value), value });

  return (
    <input
      id={props.id}
      type="text"
      className={invalid ? 'invalid' : undefined}
      aria-invalid={invalid || undefined}
      aria-describedby={props.problemId}
      inputMode={props.inputMode}
      spellCheck={false}
      autoComplete="off"
      data-testid={props.testId}
      title={props.title}
      value={draft.text}
      onChange={(e) => {
        const next = parse(e.target.value);
        setDraft({ text: e.target.value, value: next });
        onChange(next);
      }}
    />
  );
}

/** A number when the text is one, else the text itself, so validation can name what is wrong with it. */
export function parseNumber(text: string): unknown {
  const t = text.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : text;
}

/** "64, 32" → [64, 32]; anything that is not a list of numbers stays text. */
export function parseNumberList(text: string): unknown {
  const t = text.trim();
  if (t === '') return [];
  const parts = t.split(/[\s,]+/).filter((p) => p !== '');
  const nums = parts.map(Number);
  return nums.every(Number.isFinite) ? nums : text;
}

export const formatAny = (v: unknown): string =>
  Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v);
