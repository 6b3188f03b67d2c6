/**
 * Recognises errors that mean "a dependency is down or throttling" rather than "our code is
 * wrong", so the wrappers can answer 503 + Retry-After instead of 500. Classification happens
 * where the failure is understood: the AWS clients (lib/runtime) turn SDK outages into
 * `DependencyUnavailableError`, adapters throw its subclasses; this only checks the type.
 */
import { DependencyUnavailableError } from '../errors.js';

/** Code that catches an outage may rethrow it as the cause of its own error; a few levels bound the walk (and cycles). */
const MAX_CAUSE_DEPTH = 5;

/** The outage behind `error` (itself or one of its causes), which names the dependency and the wait. */
export function dependencyFailureOf(error: unknown): DependencyUnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth++) {
    if (current instanceof DependencyUnavailableError) return current;
    if (!(current instanceof Error)) return undefined;
    current = current.cause;
  }
  return undefined;
}

export function isDependencyFailure(error: unknown): boolean {
  return dependencyFailureOf(error) !== undefined;
}
