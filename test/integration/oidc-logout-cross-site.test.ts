/**
 * /logout asked by another site, with the headers a browser sends: a cross-site form POST
 * carries `Origin` and `Sec-Fetch-Site: cross-site` but not the `SameSite=Lax` session cookie,
 * so the server cannot see the session it would be ending. Whatever the request, the browser's
 * session must survive unless an ID token of that very session asks for the sign-out; an RP
 * with such a token still signs its user out and gets them back with its `state`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHandler } from '../../functions/authorize.js';
import { endSessionHandler } from '../../functions/end-session.js';
import { logoutHandler } from '../../functions/logout.js';
import { tokenHandler } from '../../functions/token.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { httpEvent } from '../support/fake-http-event.js';
import { parseForms, submitFields } from '../support/html-forms.js';
import { call, oidcInstances, pkcePair, signIn, touchesSessionCookie, type Answer, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-03-01T00:00:00Z');
const REDIRECT = 'https://app.example/cb';
const BYE = 'https://app.example/bye';
/** What Chromium sends with a form that another site auto-submits (a top-level navigation). */
const CROSS_SITE_POST = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
/** A browser without Fetch Metadata still sends Origin with every POST. */
const FOREIGN_ORIGIN_POST = { origin: 'https://evil.example' };
/** A cross-site link followed, or a redirect chain that passed through another site: no Origin on a GET navigation. */
const CROSS_SITE_NAVIGATION = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
const CROSS_SITE_IMAGE = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };

let stack: TestStack;
let oidc: OidcInstances;
let userId: string;
const clock = () => T0;

before(async () => {
  stack = await startTestStack();
  oidc = oidcInstances(stack, clock);
  const setup = oidc.all[0]!;
  await setup.clients.register({ clientId: 'spa', firstParty: true, redirectUris: [REDIRECT], postLogoutRedirectUris: [BYE] });
  userId = (await setup.users.create({ email: 'grace@example.com', name: 'Grace Hopper', emailVerified: true })).id;
});
after(() => stack.close());

function sessionCookie(session: string | undefined): Record<string, string> {
  return session === undefined ? {} : { [SESSION_COOKIE]: session };
}

function postLogout(fields: Record<string, string>, headers: Record<string, string>, session?: string): Promise<Answer> {
  return call(logoutHandler(oidc.next), httpEvent('POST', '/logout', { body: new URLSearchParams(fields).toString(), headers, cookies: sessionCookie(session) }));
}

function getLogout(query: Record<string, string>, headers: Record<string, string>, session?: string): Promise<Answer> {
  return call(endSessionHandler(oidc.next), httpEvent('GET', `/logout?${new URLSearchParams(query)}`, { headers, cookies: sessionCookie(session) }));
}

/**
 * Follows a redirect back to /logout the way the browser would: a GET top-level navigation,
 * still cross-site (the chain began on another site), on which SameSite=Lax cookies do travel.
 */
async function followAsBrowser(answer: Answer, session: string): Promise<Answer> {
  const location = answer.headers.Location;
  if (answer.status !== 303 || location === undefined || !location.startsWith('/logout')) return answer;
  const followed = await call(endSessionHandler(oidc.next), httpEvent('GET', location, { headers: CROSS_SITE_NAVIGATION, cookies: sessionCookie(session) }));
  return { ...followed, cookies: [...answer.cookies, ...followed.cookies] };
}

async function assertSignedIn(session: string, message: string): Promise<void> {
  for (const instance of oidc.all) {
    assert.ok(await instance.sessions.verify(httpEvent('GET', '/', { cookies: sessionCookie(session) })), message);
  }
}

async function assertSignedOut(session: string, message: string): Promise<void> {
  for (const instance of oidc.all) {
    assert.equal(await instance.sessions.verify(httpEvent('GET', '/', { cookies: sessionCookie(session) })), undefined, message);
  }
}

/** An ID token issued to `spa` in the session of `session`. */
async function idTokenFor(session: string): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams({ response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
  const authorized = await call(authorizeHandler(oidc.next), httpEvent('GET', `/authorize?${query}`, { cookies: sessionCookie(session) }));
  const code = new URL(authorized.headers.Location!).searchParams.get('code');
  assert.ok(code, `a code: ${authorized.status} ${authorized.headers.Location}`);
  const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: verifier });
  const exchanged = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: body.toString() }));
  assert.equal(exchanged.status, 200, exchanged.body);
  return JSON.parse(exchanged.body).id_token as string;
}

describe('a cross-site request to /logout', () => {
  for (const [name, headers] of [['Fetch Metadata and Origin', CROSS_SITE_POST], ['only a foreign Origin', FOREIGN_ORIGIN_POST]] as const) {
    it(`as an auto-submitted form (${name}), without the session cookie, clears nothing and ends up asking the user`, async () => {
      const { cookie } = await signIn(oidc.next(), userId);
      const posted = await postLogout({ anything: 'but _af' }, headers);
      assert.ok(!touchesSessionCookie(posted), `no Set-Cookie for the session: ${posted.cookies.join(' | ')}`);
      await assertSignedIn(cookie, 'the forged POST ended no session');

      const shown = await followAsBrowser(posted, cookie);
      assert.equal(shown.status, 200, `${posted.status} ${posted.headers.Location} -> ${shown.status}`);
      assert.ok(shown.body.includes(`Sign out of ${stack.config.issuer}?`), shown.body);
      assert.ok(!touchesSessionCookie(shown));
      await assertSignedIn(cookie, 'asking ends nothing');
    });
  }

  it('keeps a registered post-logout redirect through the question, and the confirmed sign-out returns with state', async () => {
    const { cookie } = await signIn(oidc.next(), userId);
    const posted = await postLogout({ client_id: 'spa', post_logout_redirect_uri: BYE, state: 'st' }, CROSS_SITE_POST);
    assert.ok(!touchesSessionCookie(posted));
    const shown = await followAsBrowser(posted, cookie);
    const forms = parseForms(shown.body);
    assert.equal(forms.length, 1, shown.body);
    const af = shown.cookies.filter((line) => line.startsWith('__Host-af=')).map((line) => line.split(';')[0]!.split('='));
    const confirmed = await call(
      logoutHandler(oidc.next),
      httpEvent('POST', '/logout', {
        body: submitFields(forms[0]!).toString(),
        headers: { origin: stack.config.issuer, 'sec-fetch-site': 'same-origin' },
        cookies: Object.fromEntries([[SESSION_COOKIE, cookie], ...af]),
      }),
    );
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.Location, `${BYE}?state=st`);
    assert.ok(touchesSessionCookie(confirmed), 'the user chose to sign out');
    await assertSignedOut(cookie, 'the confirmed sign-out ended the session');
  });

  it('as an image or other GET without the session cookie and without a hint, clears nothing', async () => {
    const { cookie } = await signIn(oidc.next(), userId);
    for (const query of [{}, { client_id: 'spa', post_logout_redirect_uri: BYE }] as Record<string, string>[]) {
      const answer = await getLogout(query, CROSS_SITE_IMAGE);
      assert.ok(!touchesSessionCookie(answer), `${JSON.stringify(query)}: ${answer.cookies.join(' | ')}`);
    }
    await assertSignedIn(cookie, 'still signed in');
  });

  it('with an ID token of another session (the attacker\'s own), ends only that session and clears nothing', async () => {
    const victim = await signIn(oidc.next(), userId);
    const attacker = await signIn(oidc.next(), userId);
    const hint = await idTokenFor(attacker.cookie);
    const posted = await postLogout({ id_token_hint: hint, post_logout_redirect_uri: BYE }, CROSS_SITE_POST);
    assert.ok(!touchesSessionCookie(posted), posted.cookies.join(' | '));
    await assertSignedOut(attacker.cookie, "the hint's own session is ended");
    await assertSignedIn(victim.cookie, "the browser's session is not");
    const shown = await followAsBrowser(posted, victim.cookie);
    assert.ok(!touchesSessionCookie(shown));
    assert.ok(shown.body.includes(`Sign out of ${stack.config.issuer}?`), 'the victim is asked, not signed out');
  });

  it('from an RP with the ID token of the current session still signs out and returns with state, by POST or GET', async () => {
    const posting = await signIn(oidc.next(), userId);
    const posted = await postLogout({ id_token_hint: await idTokenFor(posting.cookie), post_logout_redirect_uri: BYE, state: 'st' }, CROSS_SITE_POST);
    const back = await followAsBrowser(posted, posting.cookie);
    assert.equal(back.status, 302);
    assert.equal(back.headers.Location, `${BYE}?state=st`);
    await assertSignedOut(posting.cookie, 'the RP signed its user out');

    // A top-level GET carries the Lax cookie, so the token is seen to vouch for it: cleared too.
    const linking = await signIn(oidc.next(), userId);
    const got = await getLogout({ id_token_hint: await idTokenFor(linking.cookie), post_logout_redirect_uri: BYE, state: 'st' }, CROSS_SITE_NAVIGATION, linking.cookie);
    assert.equal(got.status, 302);
    assert.equal(got.headers.Location, `${BYE}?state=st`);
    assert.ok(touchesSessionCookie(got), 'the cookie is dropped');
    await assertSignedOut(linking.cookie, 'the RP signed its user out');
  });
});

describe('a same-origin request to /logout', () => {
  it('without a live session still drops a dead cookie (nothing to protect)', async () => {
    const revoked = await signIn(oidc.next(), userId);
    await oidc.next().sessions.revoke({ sessionId: revoked.sid, expiresAt: Math.floor(T0 / 1000) + 3600 });
    const answer = await getLogout({}, { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' }, revoked.cookie);
    assert.equal(answer.status, 200);
    assert.match(answer.body, /You are signed out/);
    assert.ok(touchesSessionCookie(answer));
  });
});
