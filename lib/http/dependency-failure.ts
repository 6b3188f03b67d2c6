/**
 * Recognises errors that mean "a dependency is down or throttling" rather than "our code is
 * wrong", so the wrappers can answer 503 + Retry-After instead of 500. Matching is duck-typed on
 * `name`, `code` and `$metadata` so that this module stays free of AWS SDK imports.
 */
import { DependencyUnavailableError } from '../errors.js';

/** Error names the AWS SDK (DynamoDB, KMS, SES), smithy and our own adapters use for outages. */
const OUTAGE_NAMES = new Set([
  'KeyWrapperUnavailableError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'KMSInternalException',
  'DependencyTimeoutException',
  'TimeoutError',
]);

/** Node system error codes for a peer that cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** SDK clients and our adapters wrap causes; a few levels is enough and bounds the walk. */
const MAX_CAUSE_DEPTH = 5;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function isDependencyFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    if (current instanceof DependencyUnavailableError) return true;
    const shape = current as ErrorShape;
    if (typeof shape.name === 'string' && OUTAGE_NAMES.has(shape.name)) return true;
    if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
    const status = shape.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    current = shape.cause;
  }
  return false;
}
