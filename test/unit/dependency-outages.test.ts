/**
 * Which SDK errors count as an outage (lib/runtime/dependency-outages.ts): the SDK's own
 * exception classes, as the clients deserialize them, and Node's network errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DependencyTimeoutException, KMSInternalException, NotFoundException } from '@aws-sdk/client-kms';
import { TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { isOutage } from '../../lib/runtime/dependency-outages.js';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('isOutage', () => {
  it('counts throttling, server faults, 5xx, timeouts and unreachable endpoints', () => {
    const outages: unknown[] = [
      new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata(400) }),
      new RequestLimitExceeded({ message: 'slow down', ...metadata(400) }),
      new InternalServerError({ message: 'oops', ...metadata(500) }),
      new KMSInternalException({ message: 'oops', ...metadata(500) }),
      new DependencyTimeoutException({ message: 'later', ...metadata(503) }),
      new TooManyRequestsException({ message: 'slow down', ...metadata(429) }),
      Object.assign(new Error('an error type no model knows'), { name: 'BadGateway', $fault: 'server', ...metadata(502) }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('request timed out'), { name: 'TimeoutError' }),
    ];
    for (const error of outages) assert.equal(isOutage(error), true, `${(error as Error).name}: ${String(error)}`);
  });

  it('leaves client errors to the adapters, which catch them by class', () => {
    const others: unknown[] = [
      new ConditionalCheckFailedException({ message: 'taken', ...metadata(400) }),
      new TransactionCanceledException({ message: 'cancelled', ...metadata(400) }),
      new ResourceNotFoundException({ message: 'no table', ...metadata(400) }),
      new NotFoundException({ message: 'no key', ...metadata(400) }),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      new TypeError('x is undefined'),
      'string',
      undefined,
    ];
    for (const error of others) assert.equal(isOutage(error), false, String(error));
  });
});
