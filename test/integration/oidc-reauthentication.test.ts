/**
 * prompt=login and max_age demand a sign-in newer than the session the browser has. The user
 * is sent to /login with the request in return_to and comes back to /authorize, which must then
 * accept the new sign-in (no loop) but nothing less: whatever the browser does to the URL on the
 * way (add or edit a parameter, reuse the marker for another request, come back much later),
 * the old session must not get a code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHandler } from '../../functions/authorize.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, oidcInstances, pkcePair, signIn, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-04-01T00:00:00Z');
const REDIRECT = 'https://app.example/cb';

let stack: TestStack;
let oidc: OidcInstances;
let userId: string;
const time = { now: T0 };
const nowS = () => Math.floor(time.now / 1000);
/** Signed in an hour before each test's start: too old for prompt=login and for max_age=60. */
let staleSession: string;

before(async () => {
  stack = await startTestStack();
  oidc = oidcInstances(stack, () => time.now);
  const setup = oidc.all[0]!;
  await setup.clients.register({ clientId: 'spa', firstParty: true, redirectUris: [REDIRECT] });
  userId = (await setup.users.create({ email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true })).id;
});
after(() => stack.close());

async function freshStart(): Promise<void> {
  time.now += 24 * 3600_000;
  staleSession = (await signIn(oidc.next(), userId, nowS() - 3600)).cookie;
}

function request(extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
}

async function authorize(pathAndQuery: string, session: string) {
  return call(authorizeHandler(oidc.next), httpEvent('GET', pathAndQuery, { cookies: { [SESSION_COOKIE]: session } }));
}

/** Where /authorize sent the browser: 'code' for the client with a code, else the path (e.g. /login). */
function outcome(answer: { status: number; headers: Record<string, string>; body: string }): string {
  assert.equal(answer.status, 302, answer.body);
  const location = new URL(answer.headers.Location!, stack.config.issuer);
  if (location.searchParams.get('code') !== null) return 'code';
  return location.pathname;
}

/** The return_to of the sign-in /authorize demands for `query` with the stale session. */
async function demandedReturnTo(query: URLSearchParams): Promise<string> {
  const answer = await authorize(`/authorize?${query}`, staleSession);
  assert.equal(outcome(answer), '/login');
  const returnTo = new URL(answer.headers.Location!, stack.config.issuer).searchParams.get('return_to');
  assert.ok(returnTo !== null && returnTo.startsWith('/authorize?'), `return_to: ${returnTo}`);
  return returnTo;
}

function editQuery(pathAndQuery: string, edit: (params: URLSearchParams) => void): string {
  const params = new URLSearchParams(pathAndQuery.slice('/authorize?'.length));
  edit(params);
  return `/authorize?${params}`;
}

/** A value whose last character is changed, so its decoded bytes differ. */
function tampered(value: string): string {
  return value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
}

describe('re-authentication demanded by prompt=login or max_age', () => {
  it('is not skipped by a request that claims a sign-in already happened', async () => {
    await freshStart();
    for (const extra of [
      { prompt: 'login', authenticated_after: '0' },
      { prompt: 'login', authenticated_after: String(nowS()) },
      { max_age: '60', authenticated_after: '0' },
      { max_age: '0', authenticated_after: String(nowS() - 7200) },
    ] as Record<string, string>[]) {
      assert.equal(outcome(await authorize(`/authorize?${request(extra)}`, staleSession)), '/login', JSON.stringify(extra));
    }
  });

  it('is not skipped by editing the return URL: the old session gets no code', async () => {
    await freshStart();
    for (const extra of [{ prompt: 'login' }, { max_age: '60' }] as Record<string, string>[]) {
      const original = request(extra);
      const returnTo = await demandedReturnTo(original);
      const added = [...new URLSearchParams(returnTo.split('?')[1]).keys()].filter((name) => !original.has(name));
      assert.ok(added.length > 0, 'the return trip carries what the provider added');
      const edits: Array<[string, (params: URLSearchParams) => void]> = [
        ['authenticated_after=0 added', (params) => params.set('authenticated_after', '0')],
        ...added.flatMap((name): Array<[string, (params: URLSearchParams) => void]> => [
          [`${name} set to 0`, (params) => params.set(name, '0')],
          [`${name} tampered`, (params) => params.set(name, tampered(params.get(name)!))],
          [`${name} removed`, (params) => params.delete(name)],
        ]),
      ];
      for (const [label, edit] of edits) {
        const answer = await authorize(editQuery(returnTo, edit), staleSession);
        assert.equal(outcome(answer), '/login', `${JSON.stringify(extra)}, ${label}`);
      }
      assert.equal(outcome(await authorize(returnTo, staleSession)), '/login', 'nor unedited');
    }
  });

  it('accepts a sign-in made after the demand on the way back, once per request and only for a while', async () => {
    await freshStart();
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const original = request(extra);
      const returnTo = await demandedReturnTo(original);
      time.now += 20_000; // the user signs in
      const fresh = (await signIn(oidc.next(), userId)).cookie;
      assert.equal(outcome(await authorize(returnTo, fresh)), 'code', `${JSON.stringify(extra)}: no loop after a fresh sign-in`);

      // The same marker with another request (its own state), a moment later (max_age=0 counts
      // seconds): that request demands its own sign-in.
      time.now += 5_000;
      const moved = editQuery(returnTo, (params) => params.set('state', 'state-2'));
      assert.equal(outcome(await authorize(moved, fresh)), '/login', `${JSON.stringify(extra)}: marker moved to another request`);

      // Much later, the remembered return URL no longer stands for a fresh sign-in.
      time.now += 2 * 3600_000;
      const later = (await signIn(oidc.next(), userId, nowS() - 60)).cookie;
      assert.equal(outcome(await authorize(returnTo, later)), '/login', `${JSON.stringify(extra)}: marker replayed hours later`);
    }
  });
});
