import { useState } from 'react';
import { currentLink } from '../../persist/share';
import { useStore } from '../../state/store';

/** Copies the page's link: the whole experiment (data, mapping, configurations, settings, seeds) in its fragment. */
export function ShareLink() {
  const setUiError = useStore((s) => s.setUiError);
  const [copied, setCopied] = useState(false);

  const copy = () => {
    const result = currentLink();
    if ('problem' in result) {
      setUiError(`No link for this experiment: ${result.problem}`);
      return;
    }
    // No clipboard outside a secure context: the address bar still holds the link.
    const written = navigator.clipboard?.writeText(result.link) ?? Promise.reject(new Error('no clipboard'));
    written.then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      },
      () => setUiError('The clipboard refused the link: copy it from the address bar, which holds it.'),
    );
  };

  return (
    <button
      type="button"
      className="share-button"
      onClick={copy}
      title="The address bar holds the whole experiment: this copies it"
    >
      {copied ? 'Link copied' : 'Copy link'}
    </button>
  );
}
