import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CORS_MAX_AGE_S, corsHeaders, preflightResponse, withCors } from '../../lib/http/cors.js';
import { api } from '../../lib/http/handler.js';
import { json } from '../../lib/http/response.js';
import { InvalidClient } from '../../lib/oidc/errors.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';

function request(method: string): APIGatewayProxyEventV2 {
  const base = fakeEvent();
  return fakeEvent({ headers: { origin: 'https://spa.example' }, requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path: '/token' } } });
}

describe('CORS', () => {
  it('allows any origin, never credentials, and exposes only the headers asked for', () => {
    assert.deepEqual(corsHeaders(), { 'Access-Control-Allow-Origin': '*' });
    assert.deepEqual(corsHeaders({ exposeHeaders: ['WWW-Authenticate'] }), { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'WWW-Authenticate' });
  });

  it('answers a preflight with 204, the methods, authorization and content-type, and a 600 s max age', () => {
    const answer = preflightResponse({ methods: ['GET', 'POST'], exposeHeaders: ['WWW-Authenticate'] });
    assert.equal(answer.statusCode, 204);
    assert.equal(answer.body, '');
    const headers = answer.headers as Record<string, string>;
    assert.equal(headers['Access-Control-Allow-Origin'], '*');
    assert.equal(headers['Access-Control-Allow-Methods'], 'GET, POST');
    assert.equal(headers['Access-Control-Allow-Headers'], 'authorization, content-type');
    assert.equal(headers['Access-Control-Max-Age'], String(CORS_MAX_AGE_S));
    assert.equal(CORS_MAX_AGE_S, 600);
    assert.equal(headers['Access-Control-Allow-Credentials'], undefined);
    assert.match(headers['Content-Security-Policy'] ?? '', /default-src 'none'/);
  });

  it('answers OPTIONS without calling the endpoint, and adds the headers to its answers, failures included', async () => {
    let calls = 0;
    const handler = withCors(
      { methods: ['POST'], exposeHeaders: ['WWW-Authenticate'] },
      api(async (event) => {
        calls++;
        if (event.body === 'fail') throw new Error('boom');
        if (event.body === 'denied') throw new InvalidClient('no');
        return json(200, { ok: true }, { headers: { 'Cache-Control': 'no-store' } });
      }),
    );
    const preflight = await handler(request('OPTIONS'), fakeContext);
    assert.equal(preflight.statusCode, 204);
    assert.equal(calls, 0);

    const original = { error: console.error, warn: console.warn };
    console.error = console.warn = () => {};
    try {
      for (const body of [undefined, 'fail', 'denied']) {
        const answer = await handler({ ...request('POST'), ...(body ? { body } : {}) }, fakeContext);
        const headers = answer.headers as Record<string, string>;
        assert.equal(headers['Access-Control-Allow-Origin'], '*', String(body));
        assert.equal(headers['Access-Control-Expose-Headers'], 'WWW-Authenticate');
        assert.equal(headers['Access-Control-Allow-Credentials'], undefined);
        assert.equal(headers['Access-Control-Allow-Methods'], undefined, 'only the preflight lists methods');
        assert.equal(headers['Content-Type'], 'application/json');
      }
    } finally {
      Object.assign(console, original);
    }
    assert.equal(calls, 3);
  });
});
