import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html as markup } from '../../lib/http/html.js';
import { html, json, redirect, serviceUnavailable, type HttpResponse } from '../../lib/http/response.js';
import { securityHeaders } from '../../lib/http/security-headers.js';
import { STYLESHEET_CSS, stylesheetResponse } from '../../lib/http/stylesheet.js';

function headerOf(response: HttpResponse, name: string): string | undefined {
  const value = response.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function assertSecurityHeaders(response: HttpResponse) {
  assert.equal(headerOf(response, 'X-Content-Type-Options'), 'nosniff');
  assert.equal(headerOf(response, 'Referrer-Policy'), 'no-referrer');
  assert.equal(headerOf(response, 'X-Frame-Options'), 'DENY');
  assert.match(headerOf(response, 'Strict-Transport-Security') ?? '', /^max-age=\d{8,}/);
  assert.match(headerOf(response, 'Content-Security-Policy') ?? '', /default-src 'none'/);
}

function formAction(response: HttpResponse): string | undefined {
  return headerOf(response, 'Content-Security-Policy')
    ?.split('; ')
    .find((d) => d.startsWith('form-action '));
}

describe('security headers', () => {
  it('has the strict page policy by default', () => {
    assert.equal(
      securityHeaders()['Content-Security-Policy'],
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('reduces form-action targets to origins, deduplicated, and allows native app schemes', () => {
    const csp = securityHeaders({
      formActionOrigins: ['https://app.example/cb?x=1', 'https://app.example/other', 'http://localhost:3000/cb', 'com.example.app:/callback'],
    })['Content-Security-Policy'];
    assert.match(csp ?? '', /form-action 'self' https:\/\/app\.example http:\/\/localhost:3000 com\.example\.app:;/);
  });

  it('cannot be injected into through a registered URI', () => {
    const csp = securityHeaders({ formActionOrigins: ["https://a.example/; script-src 'unsafe-inline'"] })[
      'Content-Security-Policy'
    ];
    assert.doesNotMatch(csp ?? '', /unsafe-inline/);
    assert.throws(() => securityHeaders({ formActionOrigins: ["x; script-src *"] }), TypeError);
  });
});

describe('json', () => {
  it('serialises the body, is no-store and carries cookies', () => {
    const response = json(200, { a: 1 }, { cookies: ['a=b; Secure'] });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '{"a":1}');
    assert.equal(headerOf(response, 'Content-Type'), 'application/json');
    assert.equal(headerOf(response, 'Cache-Control'), 'no-store');
    assert.deepEqual(response.cookies, ['a=b; Secure']);
    assertSecurityHeaders(response);
  });

  it('lets callers override caching, and omits an empty cookie list', () => {
    const response = json(200, {}, { headers: { 'Cache-Control': 'public, max-age=3600' } });
    assert.equal(headerOf(response, 'Cache-Control'), 'public, max-age=3600');
    assert.equal(response.cookies, undefined);
  });
});

describe('html', () => {
  it('serves SafeHtml with the page policy', () => {
    const response = html(200, markup`<p>${'<x>'}</p>`);
    assert.equal(response.body, '<p>&lt;x&gt;</p>');
    assert.equal(headerOf(response, 'Content-Type'), 'text/html; charset=utf-8');
    assert.equal(headerOf(response, 'Cache-Control'), 'no-store');
    assert.equal(formAction(response), "form-action 'self'");
    assertSecurityHeaders(response);
  });

  it('allows a POST to redirect to a client origin', () => {
    const response = html(200, markup``, { formActionOrigins: ['https://client.example/callback'] });
    assert.equal(formAction(response), "form-action 'self' https://client.example");
  });
});

describe('redirect', () => {
  it('defaults to 302 and is no-store', () => {
    const response = redirect('https://client.example/cb?code=abc&state=x');
    assert.equal(response.statusCode, 302);
    assert.equal(headerOf(response, 'Location'), 'https://client.example/cb?code=abc&state=x');
    assert.equal(headerOf(response, 'Cache-Control'), 'no-store');
    assertSecurityHeaders(response);
  });

  it('supports 303 with cookies', () => {
    const response = redirect('/register/code', { status: 303, cookies: ['__Host-flow=x'] });
    assert.equal(response.statusCode, 303);
    assert.deepEqual(response.cookies, ['__Host-flow=x']);
  });

  it('refuses header injection', () => {
    assert.throws(() => redirect('/a\r\nSet-Cookie: x=y'), TypeError);
  });
});

describe('serviceUnavailable', () => {
  it('answers 503 JSON with a whole-second Retry-After', () => {
    const response = serviceUnavailable(2.2);
    assert.equal(response.statusCode, 503);
    assert.equal(headerOf(response, 'Retry-After'), '3');
    assert.equal(JSON.parse(response.body ?? '').error, 'temporarily_unavailable');
    assert.equal(headerOf(response, 'Cache-Control'), 'no-store');
  });

  it('never asks for less than one second', () => {
    assert.equal(headerOf(serviceUnavailable(0), 'Retry-After'), '1');
  });

  it('has a page variant', () => {
    const response = serviceUnavailable(30, 'html');
    assert.equal(response.statusCode, 503);
    assert.equal(headerOf(response, 'Retry-After'), '30');
    assert.equal(headerOf(response, 'Content-Type'), 'text/html; charset=utf-8');
    assert.match(response.body ?? '', /<h1>Temporarily unavailable<\/h1>/);
    assertSecurityHeaders(response);
  });
});

describe('stylesheet', () => {
  it('is served as CSS with a long cache', () => {
    const response = stylesheetResponse();
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, STYLESHEET_CSS);
    assert.equal(headerOf(response, 'Content-Type'), 'text/css; charset=utf-8');
    assert.match(headerOf(response, 'Cache-Control') ?? '', /max-age=31536000/);
    assert.equal(headerOf(response, 'X-Content-Type-Options'), 'nosniff');
  });
});
