import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { isDependencyFailure } from '../../lib/http/dependency-failure.js';
import { DEFAULT_RETRY_AFTER_S, DependencyUnavailableError } from '../../lib/errors.js';
import { BadRequestError, HttpError } from '../../lib/http/errors.js';
import { api, page, type HttpHandler } from '../../lib/http/handler.js';
import { json } from '../../lib/http/response.js';
import { KeyWrapperUnavailableError } from '../../lib/kms/key-wrapper.js';
import { audit } from '../../lib/observability/audit.js';
import { countMetric } from '../../lib/observability/metrics.js';
import { captureOutput } from '../support/captured-output.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';

/** An HttpError no wrapper knows by name: the wrappers must render it from the contract alone. */
class TeapotError extends HttpError {
  readonly code = 'teapot';
  readonly status = 418;

  constructor(message: string, headers: Record<string, string>) {
    super(message, { headers });
  }
}

function failing(error: unknown): HttpHandler {
  return async () => {
    throw error;
  };
}

/** The wrappers' request lines (as written), so tests can check what is (and is not) logged. */
function captureLogs(t: TestContext) {
  const output = captureOutput(t);
  return {
    get length() {
      return output.requests.length;
    },
    line: (i: number) => output.lines.filter((line) => JSON.parse(line).message === 'request')[i] ?? '',
    entry: (i: number) => (output.requests[i] ?? {}) as Record<string, any>,
    output,
  };
}

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error('aws says no'), { name, $metadata: { httpStatusCode } });
}

describe('page and api wrappers', () => {
  it('pass successful responses through untouched', async () => {
    const ok = json(200, { ok: true });
    assert.equal(await page(async () => ok)(fakeEvent(), fakeContext), ok);
    assert.equal(await api(async () => ok)(fakeEvent(), fakeContext), ok);
  });

  it('turn BadRequestError into a readable 400 page', async (t) => {
    const logs = captureLogs(t);
    const response = await page(failing(new BadRequestError('The form is too large.', 'payload_too_large')))(
      fakeEvent(),
      fakeContext,
    );
    assert.equal(response.statusCode, 400);
    assert.match(response.body ?? '', /<p>The form is too large\.<\/p>/);
    assert.equal(logs.length, 1);
    const entry = logs.entry(0);
    assert.equal(entry.level, 'WARN');
    assert.equal(entry.status, 400);
    assert.equal(entry.outcome, 'refused');
    assert.equal(entry.error.code, 'payload_too_large');
  });

  it('turn BadRequestError into RFC 6749 invalid_request, whatever its own code', async (t) => {
    const logs = captureLogs(t);
    const response = await api(failing(new BadRequestError('The form is too large.', 'payload_too_large')))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 400);
    assert.deepEqual(JSON.parse(response.body ?? ''), { error: 'invalid_request', error_description: 'The form is too large.' });
    assert.equal(response.headers?.['Cache-Control'], 'no-store');
    assert.equal(logs.entry(0).error.code, 'payload_too_large');
  });

  it('render any HttpError with its own status, error, description and headers', async (t) => {
    const logs = captureLogs(t);
    const error = new TeapotError('Short and stout.', { 'WWW-Authenticate': 'Tea realm="pot"' });
    const response = await api(failing(error))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 418);
    assert.deepEqual(JSON.parse(response.body ?? ''), { error: 'teapot', error_description: 'Short and stout.' });
    assert.equal(response.headers?.['WWW-Authenticate'], 'Tea realm="pot"');
    assert.equal(response.headers?.['Content-Type'], 'application/json');
    assert.equal(response.headers?.['Cache-Control'], 'no-store');
    assert.match(String(response.headers?.['Content-Security-Policy']), /default-src 'none'/);
    const entry = logs.entry(0);
    assert.deepEqual([entry.level, entry.status, entry.error.name, entry.error.code], ['WARN', 418, 'TeapotError', 'teapot']);
  });

  it('render an HttpError on a page with its status and message, but without its challenge', async (t) => {
    captureLogs(t);
    const response = await page(failing(new TeapotError('Short and stout.', { 'WWW-Authenticate': 'Basic realm="pot"' })))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 418);
    assert.match(response.body ?? '', /<p>Short and stout\.<\/p>/);
    assert.equal(response.headers?.['WWW-Authenticate'], undefined);
  });

  it('keep error_description inside the RFC 6749 character set', async (t) => {
    captureLogs(t);
    const response = await api(failing(new BadRequestError('bad "x" \\ é\n')))(fakeEvent(), fakeContext);
    assert.equal(JSON.parse(response.body ?? '').error_description, 'bad ?x? ? ??');
  });

  it('refuse an HttpError header that would split the response', () => {
    assert.throws(() => new TeapotError('x', { 'WWW-Authenticate': 'Basic\r\nSet-Cookie: a=b' }), TypeError);
  });

  it('answer 503 with the Retry-After a DependencyUnavailableError asks for', async (t) => {
    captureLogs(t);
    const response = await api(failing(new DependencyUnavailableError('mail', { retryAfterSeconds: 42 })))(
      fakeEvent(),
      fakeContext,
    );
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers?.['Retry-After'], '42');
    assert.equal(JSON.parse(response.body ?? '').error, 'temporarily_unavailable');
  });

  it('answer a 503 page for a key wrapper outage', async (t) => {
    captureLogs(t);
    const response = await page(failing(new KeyWrapperUnavailableError(new Error('ECONNREFUSED'))))(
      fakeEvent(),
      fakeContext,
    );
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers?.['Retry-After'], String(DEFAULT_RETRY_AFTER_S));
    assert.match(String(response.headers?.['Content-Type']), /^text\/html/);
  });

  it('answer a generic 500 without the message or stack, and log one line', async (t) => {
    const logs = captureLogs(t);
    const secret = new TypeError('cannot read x of undefined at /var/task/secret.js');
    const pageResponse = await page(failing(secret))(fakeEvent(), fakeContext);
    const apiResponse = await api(failing(secret))(fakeEvent(), fakeContext);
    assert.equal(pageResponse.statusCode, 500);
    assert.equal(apiResponse.statusCode, 500);
    assert.equal(JSON.parse(apiResponse.body ?? '').error, 'server_error');
    for (const body of [pageResponse.body, apiResponse.body]) {
      assert.doesNotMatch(body ?? '', /secret|undefined|TypeError|at \//);
    }
    assert.equal(logs.length, 2);
    const entry = logs.entry(0);
    assert.equal(entry.level, 'ERROR');
    assert.equal(entry.status, 500);
    assert.equal(entry.outcome, 'error');
    assert.equal(entry.error.name, 'TypeError');
    assert.equal(entry.function_request_id, 'lambda-request-1');
    assert.equal(entry.apiRequestId, 'api-request-1');
    assert.equal(entry.stack, undefined);
    assert.doesNotMatch(logs.line(0), /"stack"|\\n\s+at /);
  });

  it('never log the body, query or cookies', async (t) => {
    const logs = captureLogs(t);
    const event = fakeEvent({
      body: 'password=hunter2',
      rawQueryString: 'code=sekret-code',
      cookies: ['__Host-session=sekret-session'],
    });
    await page(failing(new Error('boom')))(event, fakeContext);
    assert.equal(logs.length, 1);
    assert.doesNotMatch(logs.output.lines.join('\n'), /hunter2|sekret/);
  });

  it('handle thrown non-errors as 500', async (t) => {
    const logs = captureLogs(t);
    const response = await api(failing('a string'))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 500);
    assert.equal(logs.entry(0).error.name, 'string');
  });
});

describe('isDependencyFailure', () => {
  it('recognises a DependencyUnavailableError, its subclasses, and one carried as the cause of another error', () => {
    const outages: unknown[] = [
      new DependencyUnavailableError('dynamodb'),
      new KeyWrapperUnavailableError(new Error('ECONNREFUSED')),
      new Error('could not load the ring', { cause: new Error('query failed', { cause: new DependencyUnavailableError('dynamodb') }) }),
    ];
    for (const error of outages) assert.equal(isDependencyFailure(error), true, String(error));
  });

  it('classifies by type, never by name: the AWS clients turn SDK outages into DependencyUnavailableError', () => {
    const others: unknown[] = [
      Object.assign(new Error('x'), { name: 'KeyWrapperUnavailableError' }),
      Object.assign(new Error('x'), { name: 'DependencyUnavailableError' }),
      awsError('ThrottlingException', 400),
      awsError('InternalServerError', 500),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
      new TypeError('x is undefined'),
      new BadRequestError('bad'),
      awsError('ConditionalCheckFailedException', 400),
      'string',
      null,
      undefined,
    ];
    for (const error of others) assert.equal(isDependencyFailure(error), false, String(error));
  });

  it('stops walking causes after a few levels (and on cycles)', () => {
    let deep: Error = new DependencyUnavailableError('dynamodb');
    for (let i = 0; i < 10; i++) deep = new Error('wrap', { cause: deep });
    assert.equal(isDependencyFailure(deep), false);
    const cyclic = new Error('cyclic');
    cyclic.cause = cyclic;
    assert.equal(isDependencyFailure(cyclic), false);
  });
});

describe('the wrappers as the observability frame of a request', () => {
  const lambdaContext = { ...fakeContext, functionName: 'identity-test-token' } as typeof fakeContext;

  it('log one line per request: function, request id, route, status, outcome and latency', async (t) => {
    const output = captureOutput(t);
    await api(async () => json(200, { ok: true }))(fakeEvent(), lambdaContext);
    assert.equal(output.requests.length, 1);
    const entry = output.requests[0]!;
    assert.equal(entry.level, 'INFO');
    assert.equal(entry.function_name, 'identity-test-token');
    assert.equal(entry.function_request_id, 'lambda-request-1');
    assert.equal(entry.route, 'POST /login');
    assert.deepEqual([entry.status, entry.outcome], [200, 'ok']);
    assert.equal(typeof entry.latencyMs, 'number');
  });

  it('publish what a request counted once, after it ended, in one EMF line per dimension set', async (t) => {
    const output = captureOutput(t);
    const handler = api(async () => {
      countMetric('TokenIssued', { grant: 'refresh_token' });
      countMetric('TokenIssued', { grant: 'refresh_token' });
      countMetric('RefreshReuseDetected', {});
      assert.equal(output.metrics.size, 0, 'nothing is published while the request runs');
      return json(200, {});
    });
    await handler(fakeEvent(), lambdaContext);
    assert.deepEqual(Object.fromEntries(output.metrics), { 'TokenIssued{grant=refresh_token}': 2, RefreshReuseDetected: 1 });
    assert.equal(output.records.filter((record) => record._aws !== undefined).length, 2);
    const line = output.records.find((record) => record.TokenIssued !== undefined)!;
    assert.deepEqual((line._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics, [{ Namespace: 'identity', Dimensions: [['service', 'grant']], Metrics: [{ Name: 'TokenIssued', Unit: 'Count' }] }]);
  });

  it('count a dependency outage by dependency, and a 429 by function', async (t) => {
    const output = captureOutput(t);
    await api(failing(new Error('wrapped', { cause: new DependencyUnavailableError('kms', { retryAfterSeconds: 7 }) })))(fakeEvent(), lambdaContext);
    await page(async () => json(429, {}))(fakeEvent(), lambdaContext);
    assert.deepEqual(Object.fromEntries(output.metrics), { 'DependencyFailure{dependency=kms}': 1, 'Throttled{function=identity-test-token}': 1 });
    assert.deepEqual(output.requests.map((entry) => entry.outcome), ['unavailable', 'throttled']);
  });

  it('give audit events the request source: IPv4 as is, IPv6 cut to its /64', async (t) => {
    const output = captureOutput(t);
    const handler = page(async () => {
      audit({ event: 'session.ended', actor: { type: 'user', id: 'u1' }, subject: { type: 'session', id: 's1' } });
      return json(200, {});
    });
    for (const sourceIp of ['192.0.2.7', '2001:db8:1:2:3:4:5:6']) {
      const base = fakeEvent();
      await handler(fakeEvent({ requestContext: { ...base.requestContext, http: { ...base.requestContext.http, sourceIp } } }), lambdaContext);
    }
    assert.deepEqual(output.audits.map((entry) => entry.source), ['192.0.2.7', '2001:db8:1:2::/64']);
    assert.ok(output.audits.every((entry) => typeof entry.time === 'string' && entry.event === 'session.ended'));
  });

  it('count nothing outside a request (CLIs print no metric lines)', async (t) => {
    const output = captureOutput(t);
    countMetric('KmsUnwrap', { ring: 'dataprotection', outcome: 'ok' });
    await api(async () => json(200, {}))(fakeEvent(), lambdaContext);
    assert.equal(output.metrics.size, 0);
  });
});
