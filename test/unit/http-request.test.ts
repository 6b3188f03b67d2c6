import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../lib/http/errors.js';
import {
  cookies,
  formBody,
  header,
  MAX_FORM_BODY_BYTES,
  method,
  path,
  query,
  queryParams,
  repeatedNames,
  sourceIp,
} from '../../lib/http/request.js';
import { fakeEvent } from '../support/fake-http-event.js';

const FORM = 'application/x-www-form-urlencoded';

function formEvent(body: string, contentType = FORM, isBase64Encoded = false) {
  return fakeEvent({ headers: { 'content-type': contentType }, body, isBase64Encoded });
}

function assertBadRequest(fn: () => unknown, code: BadRequestError['code']) {
  assert.throws(fn, (error: unknown) => error instanceof BadRequestError && error.code === code);
}

describe('method, path and sourceIp', () => {
  it('reads them from the request context', () => {
    const event = fakeEvent();
    event.requestContext.http.method = 'get';
    event.requestContext.http.path = '/authorize';
    assert.equal(method(event), 'GET');
    assert.equal(path(event), '/authorize');
    assert.equal(sourceIp(event), '203.0.113.7');
  });

  it('ignores X-Forwarded-For, which the client controls', () => {
    const event = fakeEvent({ headers: { 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(sourceIp(event), '203.0.113.7');
  });
});

describe('query parameters', () => {
  it('decodes rawQueryString and keeps repeats visible', () => {
    const event = fakeEvent({
      rawQueryString: 'client_id=app&scope=openid%20email&redirect_uri=a&redirect_uri=b',
      queryStringParameters: { client_id: 'app', scope: 'openid email', redirect_uri: 'a,b' },
    });
    const params = queryParams(event);
    assert.deepEqual(params.getAll('redirect_uri'), ['a', 'b']);
    assert.deepEqual(repeatedNames(params), ['redirect_uri']);
    assert.equal(query(event).scope, 'openid email');
    assert.equal(query(event).redirect_uri, 'a');
  });

  it('falls back to queryStringParameters when rawQueryString is empty', () => {
    const event = fakeEvent({ queryStringParameters: { state: 'xyz' } });
    assert.equal(query(event).state, 'xyz');
  });

  it('has no prototype, so inherited names are not parameters', () => {
    const q = query(fakeEvent({ rawQueryString: '__proto__=x&a=1' }));
    assert.equal(q.constructor, undefined);
    assert.equal(q.toString, undefined);
    assert.equal(q['__proto__'], 'x');
    assert.equal(q.a, '1');
  });

  it('reports no repeats for distinct names', () => {
    assert.deepEqual(repeatedNames(new URLSearchParams('a=1&b=2')), []);
  });
});

describe('header', () => {
  it('is case-insensitive whatever case the event uses', () => {
    assert.equal(header(fakeEvent({ headers: { 'content-type': 'text/html' } }), 'Content-Type'), 'text/html');
    assert.equal(header(fakeEvent({ headers: { 'Content-Type': 'text/html' } }), 'content-type'), 'text/html');
    assert.equal(header(fakeEvent(), 'content-type'), undefined);
  });
});

describe('formBody', () => {
  it('parses a urlencoded form', () => {
    const form = formBody(formEvent('username=ada%40example.com&password=p%C3%A4ss+word'));
    assert.equal(form.get('username'), 'ada@example.com');
    assert.equal(form.get('password'), 'päss word');
  });

  it('decodes a base64-encoded body', () => {
    const body = Buffer.from('code=123456&flow=abc').toString('base64');
    const form = formBody(formEvent(body, FORM, true));
    assert.equal(form.get('code'), '123456');
    assert.equal(form.get('flow'), 'abc');
  });

  it('accepts a UTF-8 charset parameter in any case', () => {
    assert.equal(formBody(formEvent('a=1', `${FORM}; charset=UTF-8`)).get('a'), '1');
  });

  it('treats a missing body as an empty form', () => {
    const event = fakeEvent({ headers: { 'content-type': FORM } });
    assert.equal([...formBody(event)].length, 0);
  });

  it('rejects other content types', () => {
    assertBadRequest(() => formBody(formEvent('{"a":1}', 'application/json')), 'unsupported_media_type');
    assertBadRequest(() => formBody(formEvent('a=1', 'text/plain')), 'unsupported_media_type');
    assertBadRequest(() => formBody(fakeEvent({ body: 'a=1' })), 'unsupported_media_type');
  });

  it('rejects a charset other than UTF-8', () => {
    assertBadRequest(() => formBody(formEvent('a=1', `${FORM}; charset=iso-8859-1`)), 'unsupported_media_type');
  });

  it('accepts exactly the limit and rejects one byte more', () => {
    const atLimit = 'a=' + 'x'.repeat(MAX_FORM_BODY_BYTES - 2);
    assert.equal(formBody(formEvent(atLimit)).get('a')?.length, MAX_FORM_BODY_BYTES - 2);
    assertBadRequest(() => formBody(formEvent(atLimit + 'x')), 'payload_too_large');
  });

  it('counts bytes, not characters', () => {
    const multiByte = 'a=' + 'é'.repeat(MAX_FORM_BODY_BYTES / 2);
    assertBadRequest(() => formBody(formEvent(multiByte)), 'payload_too_large');
  });

  it('rejects an oversize base64 body', () => {
    const body = Buffer.alloc(MAX_FORM_BODY_BYTES + 1, 'a').toString('base64');
    assertBadRequest(() => formBody(formEvent(body, FORM, true)), 'payload_too_large');
  });

  it('rejects bytes that are not UTF-8', () => {
    const body = Buffer.from([0x61, 0x3d, 0xff, 0xfe]).toString('base64');
    assertBadRequest(() => formBody(formEvent(body, FORM, true)), 'malformed_body');
  });
});

describe('cookies', () => {
  it('reads event.cookies, splitting on the first "="', () => {
    const jar = cookies(fakeEvent({ cookies: ['__Host-session=abc==', 'theme=dark'] }));
    assert.equal(jar.get('__Host-session'), 'abc==');
    assert.equal(jar.get('theme'), 'dark');
    assert.equal(jar.size, 2);
  });

  it('falls back to the Cookie header', () => {
    const jar = cookies(fakeEvent({ headers: { Cookie: 'a=1; b=2;c=3' } }));
    assert.deepEqual([...jar], [['a', '1'], ['b', '2'], ['c', '3']]);
  });

  it('keeps the first of repeated names and skips junk', () => {
    const jar = cookies(fakeEvent({ cookies: ['a=first', 'a=second', 'novalue', '=anonymous', ''] }));
    assert.deepEqual([...jar], [['a', 'first']]);
  });

  it('is empty without cookies', () => {
    assert.equal(cookies(fakeEvent()).size, 0);
  });
});
