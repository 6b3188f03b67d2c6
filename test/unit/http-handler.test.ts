import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { isDependencyFailure } from '../../lib/http/dependency-failure.js';
import { DEFAULT_RETRY_AFTER_S, DependencyUnavailableError } from '../../lib/errors.js';
import { BadRequestError, HttpError } from '../../lib/http/errors.js';
import { api, page, type HttpHandler } from '../../lib/http/handler.js';
import { json } from '../../lib/http/response.js';
import { KeyWrapperUnavailableError } from '../../lib/kms/key-wrapper.js';
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

/** Captures console output so tests can check what is (and is not) logged. */
function captureLogs(t: TestContext) {
  const lines: string[] = [];
  t.mock.method(console, 'error', (line: string) => lines.push(line));
  t.mock.method(console, 'warn', (line: string) => lines.push(line));
  return lines;
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
    const entry = JSON.parse(logs[0] ?? '');
    assert.equal(entry.level, 'warn');
    assert.equal(entry.code, 'payload_too_large');
  });

  it('turn BadRequestError into RFC 6749 invalid_request, whatever its own code', async (t) => {
    const logs = captureLogs(t);
    const response = await api(failing(new BadRequestError('The form is too large.', 'payload_too_large')))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 400);
    assert.deepEqual(JSON.parse(response.body ?? ''), { error: 'invalid_request', error_description: 'The form is too large.' });
    assert.equal(response.headers?.['Cache-Control'], 'no-store');
    assert.equal(JSON.parse(logs[0] ?? '').code, 'payload_too_large');
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
    const entry = JSON.parse(logs[0] ?? '');
    assert.deepEqual([entry.level, entry.status, entry.error, entry.code], ['warn', 418, 'TeapotError', 'teapot']);
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
    const entry = JSON.parse(logs[0] ?? '');
    assert.ok(!(logs[0] ?? '').includes('\n'));
    assert.equal(entry.status, 500);
    assert.equal(entry.error, 'TypeError');
    assert.equal(entry.requestId, 'lambda-request-1');
    assert.equal(entry.apiRequestId, 'api-request-1');
    assert.equal(entry.stack, undefined);
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
    assert.doesNotMatch(logs[0] ?? '', /hunter2|sekret/);
  });

  it('handle thrown non-errors as 500', async (t) => {
    const logs = captureLogs(t);
    const response = await api(failing('a string'))(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 500);
    assert.equal(JSON.parse(logs[0] ?? '').error, 'string');
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
