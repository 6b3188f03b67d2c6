/**
 * Claims and userinfo, in-process over DynamoDB Local, each request on the next of three
 * provider "instances": the standard profile claims the directory has, released per scope; the
 * `claims` request parameter carried from /authorize through the code, the token exchange and
 * refreshes into the ID token and userinfo; userinfo with the token in the header or a form POST
 * body, never in the query, never both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, codeRequestQuery, oidcInstances, pkcePair, signIn, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const REDIRECT = 'https://rp.example/cb';
const PROFILE_UPDATED_AT = '2031-03-04T05:06:07.000Z';

let stack: TestStack;
let oidc: OidcInstances;
let userId: string;
let session: string;

before(async () => {
  stack = await startTestStack();
  oidc = oidcInstances(stack, () => Date.now());
  const setup = oidc.all[0]!;
  await setup.clients.register({ clientId: 'rp', firstParty: true, redirectUris: [REDIRECT] });
  await setup.clients.register({ clientId: 'no-email', firstParty: true, redirectUris: [REDIRECT], allowedScopes: ['openid', 'profile', 'offline_access'] });
  userId = (await setup.users.create({ email: 'grace@example.com', name: 'Grace Hopper', emailVerified: true })).id;
  // The directory's profile claims, as a profile editor would store them.
  await stack.documentClient().send(
    new UpdateCommand({
      TableName: stack.config.tables.directory,
      Key: { pk: `user#${userId}`, sk: 'user' },
      UpdateExpression: 'SET profile = :profile, profileUpdatedAt = :at',
      ExpressionAttributeValues: {
        ':profile': { given_name: 'Grace', family_name: 'Hopper', preferred_username: 'amazing-grace', locale: 'en-US', zoneinfo: 'America/New_York', bogus: 'dropped' },
        ':at': PROFILE_UPDATED_AT,
      },
    }),
  );
  session = (await signIn(setup, userId)).cookie;
});
after(() => stack.close());

/** The code flow for `clientId` with `scope` and an optional claims request: the token response. */
async function tokens(options: { clientId?: string; scope: string; claims?: unknown }): Promise<Record<string, any>> {
  const clientId = options.clientId ?? 'rp';
  const { verifier, challenge } = pkcePair();
  const query = codeRequestQuery({ clientId, redirectUri: REDIRECT, challenge, state: 's', scope: options.scope });
  if (options.claims !== undefined) query.set('claims', JSON.stringify(options.claims));
  const authorized = await call(authorizeHandler(oidc.next), httpEvent('GET', `/authorize?${query}`, { cookies: { '__Host-session': session } }));
  const code = new URL(authorized.headers.Location!).searchParams.get('code');
  assert.ok(code, authorized.headers.Location);
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: REDIRECT, code_verifier: verifier });
  const answer = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: form.toString() }));
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body);
}

async function refreshed(clientId: string, refreshToken: string): Promise<Record<string, any>> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
  const answer = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: form.toString() }));
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body);
}

function userinfo(method: 'GET' | 'POST', path: string, options: { token?: string; body?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = {
    ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.contentType !== undefined ? { 'content-type': options.contentType } : {}),
  };
  return call(userinfoHandler(oidc.next), httpEvent(method, path, { headers, ...(options.body !== undefined ? { body: options.body } : {}) }));
}

async function claimsAt(accessToken: string): Promise<Record<string, unknown>> {
  const answer = await userinfo('GET', '/userinfo', { token: accessToken });
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body);
}

describe('claims', () => {
  it('the profile scope releases the standard claims the directory has, in the ID token and at userinfo', async () => {
    const response = await tokens({ scope: 'openid profile' });
    const expected = {
      name: 'Grace Hopper',
      given_name: 'Grace',
      family_name: 'Hopper',
      preferred_username: 'amazing-grace',
      locale: 'en-US',
      zoneinfo: 'America/New_York',
      updated_at: Date.parse(PROFILE_UPDATED_AT) / 1000,
    };
    const idToken = decodeJwt(response.id_token);
    for (const [claim, value] of Object.entries(expected)) assert.deepEqual(idToken[claim], value, claim);
    assert.deepEqual(await claimsAt(response.access_token), { sub: userId, ...expected });
    assert.equal(idToken.email, undefined);
    assert.equal('bogus' in idToken, false);
  });

  it('the email scope releases email and email_verified', async () => {
    const response = await tokens({ scope: 'openid email' });
    assert.deepEqual(await claimsAt(response.access_token), { sub: userId, email: 'grace@example.com', email_verified: true });
  });

  it('a claims request releases its claims in the place it names, through refreshes', async () => {
    const claims = { id_token: { email: { essential: true } }, userinfo: { given_name: null, email_verified: null, acr: null } };
    const response = await tokens({ scope: 'openid offline_access', claims });
    const idToken = decodeJwt(response.id_token);
    assert.equal(idToken.email, 'grace@example.com');
    assert.equal(idToken.given_name, undefined, 'asked for userinfo only');
    assert.deepEqual(await claimsAt(response.access_token), { sub: userId, given_name: 'Grace', email_verified: true });

    const again = await refreshed('rp', response.refresh_token);
    assert.equal(decodeJwt(again.id_token).email, 'grace@example.com');
    assert.deepEqual(await claimsAt(again.access_token), { sub: userId, given_name: 'Grace', email_verified: true });
  });

  it('a claims request cannot release a claim of a scope the client may not ask for', async () => {
    const response = await tokens({ clientId: 'no-email', scope: 'openid', claims: { id_token: { email: null }, userinfo: { email: { essential: true }, nickname: null } } });
    assert.equal(decodeJwt(response.id_token).email, undefined);
    assert.deepEqual(await claimsAt(response.access_token), { sub: userId });
  });
});

describe('userinfo', () => {
  let accessToken: string;
  before(async () => {
    accessToken = (await tokens({ scope: 'openid email' })).access_token;
  });
  const form = 'application/x-www-form-urlencoded';

  it('takes the token from a form-encoded POST body (RFC 6750 section 2.2) as from the header', async () => {
    const byHeader = await userinfo('POST', '/userinfo', { token: accessToken });
    const byBody = await userinfo('POST', '/userinfo', { body: new URLSearchParams({ access_token: accessToken }).toString(), contentType: form });
    assert.equal(byHeader.status, 200, byHeader.body);
    assert.equal(byBody.status, 200, byBody.body);
    assert.deepEqual(JSON.parse(byBody.body), JSON.parse(byHeader.body));
    assert.equal(JSON.parse(byBody.body).email, 'grace@example.com');
  });

  it('refuses the token in the query, even beside a good header', async () => {
    for (const token of [undefined, accessToken]) {
      const answer = await userinfo('GET', `/userinfo?${new URLSearchParams({ access_token: accessToken })}`, token === undefined ? {} : { token });
      assert.equal(answer.status, 400, answer.body);
      assert.equal(JSON.parse(answer.body).error, 'invalid_request');
    }
  });

  it('refuses the token sent two ways at once, or twice in the body', async () => {
    const both = await userinfo('POST', '/userinfo', { token: accessToken, body: new URLSearchParams({ access_token: accessToken }).toString(), contentType: form });
    assert.equal(both.status, 400, both.body);
    assert.equal(JSON.parse(both.body).error, 'invalid_request');
    const twice = await userinfo('POST', '/userinfo', { body: `access_token=${accessToken}&access_token=${accessToken}`, contentType: form });
    assert.equal(twice.status, 400, twice.body);
  });

  it('answers a bad token in the body as invalid_token, and a body of another type as no credentials', async () => {
    const malformed = await userinfo('POST', '/userinfo', { body: 'access_token=not%20a%20token', contentType: form });
    assert.equal(malformed.status, 401);
    assert.match(malformed.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/);
    const forged = await userinfo('POST', '/userinfo', { body: new URLSearchParams({ access_token: `${accessToken.slice(0, -2)}AA` }).toString(), contentType: form });
    assert.equal(forged.status, 401);
    const json = await userinfo('POST', '/userinfo', { body: JSON.stringify({ access_token: accessToken }), contentType: 'application/json' });
    assert.equal(json.status, 401);
    assert.equal(json.headers['WWW-Authenticate'], 'Bearer realm="userinfo"');
  });
});
