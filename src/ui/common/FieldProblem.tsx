/** The problem of one form field, said under it; `id` is what the field's aria-describedby names. */
export function FieldProblem({ id, problem }: { id: string; problem: string | null }) {
  if (problem === null) return null;
  return (
    <span className="field-problem" id={id} data-testid={id}>
      {problem}
    </span>
  );
}
