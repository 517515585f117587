import { useRef } from 'react';

/**
 * A button that opens the file picker: a real button, so a keyboard reaches it (Tab) and uses it (Enter,
 * Space). The file input it drives is hidden; tests set files on it by `inputTestId`.
 */
export function FilePickButton(props: {
  label: string;
  accept: string;
  onFile: (file: File) => void;
  inputTestId: string;
  title?: string;
  className?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className={props.className ?? 'small'}
        title={props.title}
        data-testid={`${props.inputTestId}-button`}
        onClick={() => input.current?.click()}
      >
        {props.label}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        tabIndex={-1}
        accept={props.accept}
        aria-label={props.label}
        data-testid={props.inputTestId}
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Picking the same file again (edited since) should read it again.
          e.target.value = '';
          if (file) props.onFile(file);
        }}
      />
    </>
  );
}
