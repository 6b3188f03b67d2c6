/**
 * Turns an AWS SDK outage (throttling, a 5xx or server fault, a timeout, a refused or reset
 * connection) into `DependencyUnavailableError`, so that callers classify failures by type:
 * the HTTP wrappers answer 503 for it, and adapters still see every other service error
 * (ConditionalCheckFailedException, TransactionCanceledException, NotFoundException...)
 * unchanged. What counts as an outage is the SDK's own retry classification, the same one
 * that decided the call was worth retrying.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { MetadataBearer, MiddlewareStack, SdkError } from '@smithy/types';
import { DependencyUnavailableError } from '../errors.js';

/** Registered at the outermost step, so it sees an error only after the SDK's own retries gave up. */
export function reportOutagesAs<Input extends object, Output extends MetadataBearer>(dependency: string, stack: MiddlewareStack<Input, Output>): void {
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isOutage(error) ? new DependencyUnavailableError(dependency, { cause: error }) : error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'dependencyOutages' },
  );
}

export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as SdkError;
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError) || sdkError.$fault === 'server';
}
