import { expect } from 'vitest';
import { DataError } from '../data/types';

/** Runs `fn`, asserts it throws a DataError (not any error) and returns it for checks on message and column. */
export function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}
