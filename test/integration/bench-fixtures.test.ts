/**
 * bench/fixtures.ts is the API benchmarks and the peer harness build on: what it mints must be
 * accepted by the real token endpoint, as codes and refresh tokens from /authorize and /token
 * are. If internals move and the fixtures drift, this fails before a benchmark measures errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBenchFixtures, type BenchFixtures } from '../../bench/fixtures.js';
import { hashPassword } from '../../bench/password-fixture.js';
import { tokenHandler } from '../../functions/token.js';
import { systemClock } from '../../lib/clock.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, oidcInstances, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const REDIRECT = 'https://rp.example/callback';
const SECRET = 'bench-fixture-secret-0123456789abcdef';

let stack: TestStack;
let fixtures: BenchFixtures;
let instances: OidcInstances;

function token(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const provider = instances.next();
  return call(tokenHandler(() => provider), httpEvent('POST', '/token', { body: new URLSearchParams(fields).toString(), headers }));
}

describe('bench fixtures', () => {
  before(async () => {
    stack = await startTestStack();
    fixtures = createBenchFixtures(stack.config);
    instances = oidcInstances(stack, systemClock);
    await fixtures.ensureKeys();
    await fixtures.registerClient({ clientId: 'bench-spa', redirectUris: [REDIRECT], allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
    await fixtures.registerClient({
      clientId: 'bench-svc',
      secret: SECRET,
      redirectUris: [],
      grantTypes: ['client_credentials'],
    });
  });
  after(() => stack.close());

  it('mints a code that the token endpoint exchanges once, with the PKCE verifier it returned', async () => {
    const user = await fixtures.createUser({ passwordHash: await hashPassword(stack.config, 'correct horse battery staple') });
    const minted = await fixtures.mintAuthorizationCode({ clientId: 'bench-spa', subject: user.id, scopes: ['openid', 'offline_access'], redirectUri: REDIRECT });
    const fields = { grant_type: 'authorization_code', client_id: 'bench-spa', code: minted.code, redirect_uri: REDIRECT, code_verifier: minted.codeVerifier };
    const answer = await token(fields);
    assert.equal(answer.status, 200, answer.body);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    assert.equal(typeof body.id_token, 'string');
    assert.equal(typeof body.refresh_token, 'string');
    assert.equal((await token(fields)).status, 400, 'a minted code is single use, like a real one');
  });

  it('mints a refresh token that rotates at the token endpoint', async () => {
    const user = await fixtures.createUser();
    const refreshToken = await fixtures.mintRefreshToken({ clientId: 'bench-spa', subject: user.id, scopes: ['openid', 'offline_access'] });
    const answer = await token({ grant_type: 'refresh_token', client_id: 'bench-spa', refresh_token: refreshToken });
    assert.equal(answer.status, 200, answer.body);
    assert.notEqual((JSON.parse(answer.body) as { refresh_token: string }).refresh_token, refreshToken);
  });

  it('registers a confidential client whose secret authenticates', async () => {
    const basic = `Basic ${Buffer.from(`bench-svc:${SECRET}`).toString('base64')}`;
    assert.equal((await token({ grant_type: 'client_credentials' }, { authorization: basic })).status, 200);
    const wrong = `Basic ${Buffer.from('bench-svc:not-the-secret-0123456789abcdefgh').toString('base64')}`;
    assert.equal((await token({ grant_type: 'client_credentials' }, { authorization: wrong })).status, 401);
  });
});
