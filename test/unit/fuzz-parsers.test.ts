/**
 * Property-based fuzzing (fast-check) of every parser that reads outside input: request bodies,
 * query strings, cookies and headers, Basic credentials, return_to, redirect URIs, authorize
 * parameters, JWTs given to the token verifier and protected payloads. The property is the same
 * everywhere: an answer or the parser's own typed refusal, never another exception. Budgets are
 * fixed (RUNS per property) so `npm test` stays predictable; a failure prints its seed and
 * shrunk counterexample (none found so far: no regression cases to keep).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { HttpError } from '../../lib/http/errors.js';
import { cookies, formBody, header, query, queryParams, repeatedNames } from '../../lib/http/request.js';
import { validateAuthorizeRequest } from '../../lib/oidc/authorize-request.js';
import { decodeBasic, parseClientCredentials } from '../../lib/oidc/client-authentication.js';
import { redirectUriProblem, type OAuthClient } from '../../lib/oidc/client-metadata.js';
import { looksLikeJwt } from '../../lib/oidc/access-tokens.js';
import { UnprotectError } from '../../lib/dataprotection/unprotect-error.js';
import { afterSignIn, safeReturnTo } from '../../lib/session/return-to.js';
import type { PublishedJwk } from '../../lib/signing/signing-key-policy.js';
import { ACCESS_TOKEN_TYP, TokenRejectedError, TokenVerifier } from '../../lib/signing/token-signer.js';
import { fakeEvent } from '../support/fake-http-event.js';
import { testProtector } from './session-fixtures.js';

const RUNS = 400;
const params = { numRuns: RUNS };

/** Text a client can send: any UTF-16 (lone surrogates included), URL syntax, and the characters parsers split on. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'%=&;:+ /\\?#@.,"\'\t\r\n\u0000abc09-_~'.split('')), maxLength: 80 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

function onlyTyped<T>(refusal: abstract new (...args: never[]) => Error, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    assert.ok(error instanceof refusal, `untyped failure: ${String(error)}`);
    return undefined;
  }
}

const eventArbitrary = fc.record({
  body: fc.option(hostile, { nil: undefined }),
  base64: fc.boolean(),
  contentType: fc.oneof(fc.constant('application/x-www-form-urlencoded'), fc.constant('application/x-www-form-urlencoded; charset=UTF-8'), hostile),
  cookieList: fc.option(fc.array(hostile, { maxLength: 6 }), { nil: undefined }),
  cookieHeader: fc.option(hostile, { nil: undefined }),
  rawQueryString: hostile,
});

describe('fuzz: request parsing (lib/http/request.ts)', () => {
  it('form bodies, queries, cookies and headers: parsed, or refused with an HttpError', () => {
    fc.assert(
      fc.property(eventArbitrary, (input) => {
        const event = fakeEvent({
          rawQueryString: input.rawQueryString,
          headers: { 'content-type': input.contentType, ...(input.cookieHeader !== undefined ? { Cookie: input.cookieHeader } : {}) },
          ...(input.body !== undefined ? { body: input.body } : {}),
          ...(input.cookieList !== undefined ? { cookies: input.cookieList } : {}),
          isBase64Encoded: input.base64,
        });
        onlyTyped(HttpError, () => formBody(event));
        const jar = cookies(event);
        for (const [name] of jar) assert.ok(name.length > 0 && !name.includes('='));
        repeatedNames(queryParams(event));
        assert.equal(Object.getPrototypeOf(query(event)), null);
        header(event, 'Content-Type');
      }),
      params,
    );
  });
});

describe('fuzz: client authentication (lib/oidc/client-authentication.ts)', () => {
  const basicHeader = fc.oneof(
    hostile,
    hostile.map((text) => `Basic ${Buffer.from(text).toString('base64')}`),
    fc.tuple(hostile, hostile).map(([id, secret]) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`),
  );

  it('Basic headers decode to a non-empty id, or to nothing', () => {
    fc.assert(
      fc.property(basicHeader, (authorization) => {
        const decoded = decodeBasic(authorization);
        if (decoded !== undefined) assert.ok(decoded.clientId.length > 0);
      }),
      params,
    );
  });

  it('credentials from header and form: parsed, or refused with an OAuth error', () => {
    fc.assert(
      fc.property(fc.option(basicHeader, { nil: undefined }), hostile, (authorization, form) => {
        onlyTyped(HttpError, () => parseClientCredentials(authorization, new URLSearchParams(form)));
      }),
      params,
    );
  });
});

describe('fuzz: redirects (return_to, redirect URIs, authorize requests)', () => {
  const ISSUER = 'https://id.example.test';

  it('return_to is undefined or a path that stays on the issuer', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, hostile.map((text) => `/${text}`)), (value) => {
        const safe = safeReturnTo(value);
        if (safe !== undefined) assert.equal(new URL(safe, ISSUER).origin, ISSUER, JSON.stringify(safe));
        assert.equal(new URL(afterSignIn(value), ISSUER).origin, ISSUER);
      }),
      params,
    );
  });

  const client: OAuthClient = {
    clientId: 'spa',
    type: 'public',
    redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
  } as unknown as OAuthClient;
  const authorizeParam = fc.tuple(
    fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'login_hint', 'request', 'x'),
    fc.oneof(hostile, fc.constantFrom('code', 'spa', 'https://app.example/cb', 'openid', 'S256', 'none', 'login', '0', '-1', '1e309')),
  );

  it('redirect URIs and authorize parameters: a verdict, never an exception', () => {
    fc.assert(
      fc.property(hostile, fc.array(authorizeParam, { maxLength: 12 }), fc.boolean(), (uri, pairs, known) => {
        redirectUriProblem(uri);
        const result = validateAuthorizeRequest(new URLSearchParams(pairs), known ? client : undefined);
        assert.equal(typeof result, 'object');
      }),
      params,
    );
  });
});

describe('fuzz: tokens given to the verifier (lib/signing/token-signer.ts)', () => {
  const ISSUER = 'https://id.example.test';
  const KID = 'fuzz-key';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' } as PublishedJwk;
  const verifier = new TokenVerifier({ issuer: ISSUER, keys: { publishedKey: async (kid) => (kid === KID ? jwk : undefined) }, clock: () => Date.now() });
  const validToken = () =>
    new SignJWT({ client_id: 'spa', jti: 'j', scope: 'openid' })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: ACCESS_TOKEN_TYP })
      .setIssuer(ISSUER)
      .setSubject('u')
      .setAudience('spa')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  const base64url = (text: string) => Buffer.from(text).toString('base64url');
  const segment = fc.oneof(hostile.map(base64url), fc.json().map(base64url), hostile);

  it('arbitrary, reassembled and mutated JWTs are verified or rejected with TokenRejectedError', async () => {
    const good = await validToken();
    const [head, body, signature] = good.split('.') as [string, string, string];
    const candidates = fc.oneof(
      hostile,
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
      fc.tuple(segment).map(([payload]) => `${head}.${payload}.${signature}`),
      fc.tuple(fc.json()).map(([header]) => `${base64url(header)}.${body}.${signature}`),
      fc.tuple(fc.nat(good.length - 1), fc.char()).map(([at, c]) => `${good.slice(0, at)}${c}${good.slice(at + 1)}`),
    );
    await fc.assert(
      fc.asyncProperty(candidates, async (token) => {
        looksLikeJwt(token);
        for (const verify of [() => verifier.verifyAccessToken(token), () => verifier.verifyIdTokenHint(token)]) {
          await verify().catch((error: unknown) => assert.ok(error instanceof TokenRejectedError, `untyped failure: ${String(error)}`));
        }
      }),
      params,
    );
  });
});

describe('fuzz: protected payloads (lib/dataprotection unprotect)', () => {
  it('arbitrary strings and mutated payloads unprotect only with UnprotectError', async () => {
    const protector = testProtector(() => Date.now()).forPurpose('fuzz');
    const good = await protector.protect(Buffer.from('hello'));
    const candidates = fc.oneof(
      hostile,
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
      fc.tuple(fc.nat(good.length - 1), fc.char()).map(([at, c]) => `${good.slice(0, at)}${c}${good.slice(at + 1)}`),
      fc.nat(good.length).map((length) => good.slice(0, length)),
    );
    await fc.assert(
      fc.asyncProperty(candidates, async (payload) => {
        await protector.unprotect(payload).then(
          (plain) => assert.equal(Buffer.from(plain).toString(), 'hello', 'only the real payload unprotects'),
          (error: unknown) => assert.ok(error instanceof UnprotectError, `untyped failure: ${String(error)}`),
        );
      }),
      params,
    );
  });
});
