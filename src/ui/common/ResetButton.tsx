/** "Reset … to defaults" under a form: disabled while the form already holds its defaults. */
export function ResetButton(props: {
  label: string;
  title: string;
  testId: string;
  atDefaults: boolean;
  onReset: () => void;
}) {
  return (
    <div className="button-row">
      <button
        type="button"
        className="small"
        data-testid={props.testId}
        disabled={props.atDefaults}
        title={props.title}
        onClick={props.onReset}
      >
        {props.label}
      </button>
    </div>
  );
}
