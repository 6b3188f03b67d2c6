/** RFC 6749 section 3.2: request parameters must not be included more than once. */
import { repeatedNames } from '../http/request.js';
import { InvalidRequest } from './errors.js';

/** invalid_request naming the repeated parameters (names only: values may be secrets), if any. */
export function repeatedParametersError(params: URLSearchParams): InvalidRequest | undefined {
  const repeated = repeatedNames(params);
  return repeated.length > 0 ? new InvalidRequest(`Parameter repeated: ${repeated.join(', ')}.`) : undefined;
}

/** For endpoints that answer directly (not by redirect): throws `repeatedParametersError`. */
export function rejectRepeatedParameters(params: URLSearchParams): void {
  const error = repeatedParametersError(params);
  if (error !== undefined) throw error;
}
