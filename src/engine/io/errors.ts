/** A file or a model that cannot be imported; the message says which file, weight or setting does not fit. */
export class ImportError extends Error {
  override name = 'ImportError';
}
