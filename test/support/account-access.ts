/**
 * What the account-access tests (sessions, apps, disabled users, the users CLI) share: a user
 * signed in in an in-process browser over the real handlers, an app holding offline access
 * obtained through /authorize and /token, and the calls that app makes with its tokens. The
 * runtime getters read the stack from process.env, so set it first (`Object.assign(process.env, stack.env)`).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { User } from '../../lib/auth/user-store.js';
import { getSessions, getUserDirectory } from '../../lib/runtime/services.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { fakeContext, httpEvent } from './fake-http-event.js';
import { InProcessBrowser, type RouteHandler } from './in-process-browser.js';
import { codeRequestQuery, pkcePair } from './oidc-instances.js';
import type { TestStack } from './stack.js';

export const APP_REDIRECT = 'https://app.example/cb';

export interface OfflineTokens {
  access_token: string;
  refresh_token: string;
}

/** The OIDC routes the tests drive, from the functions' own handlers. */
export async function oidcRoutes(): Promise<Record<string, RouteHandler>> {
  return {
    '/authorize': (await import('../../functions/authorize.js')).handler,
    '/token': (await import('../../functions/token.js')).handler,
    '/userinfo': (await import('../../functions/userinfo.js')).handler,
    '/introspect': (await import('../../functions/introspect.js')).handler,
  };
}

/** Public first-party apps (no consent page) allowed offline access. */
export async function registerApps(stack: TestStack, ...clientIds: string[]): Promise<void> {
  const clients = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now });
  for (const clientId of clientIds) await clients.register({ clientId, name: `App ${clientId}`, redirectUris: [APP_REDIRECT], firstParty: true }, { replace: true });
}

export async function newUser(prefix = 'user'): Promise<User> {
  return getUserDirectory().create({ email: `${prefix}-${randomBytes(4).toString('hex')}@example.com`, name: 'Account Holder', emailVerified: true });
}

/** A browser holding a new session of `user`, started with `userAgent` (as sign-in completion does). */
export async function signedInBrowser(routes: Record<string, RouteHandler>, user: User, userAgent?: string): Promise<{ browser: InProcessBrowser; sessionId: string }> {
  const browser = new InProcessBrowser(routes);
  const { cookie, session } = await getSessions().start({ subject: user.id, methods: ['pwd'], ...(userAgent !== undefined ? { userAgent } : {}) });
  browser.jar.set(SESSION_COOKIE, cookie.split(';')[0]!.slice(SESSION_COOKIE.length + 1));
  return { browser, sessionId: session.sessionId };
}

/** The code flow with PKCE and offline_access for `clientId`, in the signed-in browser. */
export async function offlineTokens(routes: Record<string, RouteHandler>, browser: InProcessBrowser, clientId: string): Promise<OfflineTokens> {
  const { verifier, challenge } = pkcePair();
  const answer = await browser.get(`/authorize?${codeRequestQuery({ clientId, redirectUri: APP_REDIRECT, challenge, state: 's', scope: 'openid email offline_access' })}`);
  assert.ok(answer.location?.startsWith(`${APP_REDIRECT}?`), `a redirect to the app, got ${answer.status} ${answer.location} ${answer.body.slice(0, 300)}`);
  const code = new URL(answer.location!).searchParams.get('code');
  assert.ok(code);
  const tokens = await appCall(routes, '/token', { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: APP_REDIRECT, code_verifier: verifier });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return tokens.body as unknown as OfflineTokens;
}

export interface AppAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A form POST the app sends (no browser cookies), or a GET with a Bearer token when `bearer` is given. */
export async function appCall(routes: Record<string, RouteHandler>, path: string, fields: Record<string, string>, bearer?: string): Promise<AppAnswer> {
  const handler = routes[path];
  assert.ok(handler, `no route ${path}`);
  const event =
    bearer !== undefined
      ? httpEvent('GET', path, { headers: { authorization: `Bearer ${bearer}` } })
      : httpEvent('POST', path, { body: new URLSearchParams(fields).toString() });
  const response = await handler(event, fakeContext);
  const text = response.body ?? '';
  return { status: response.statusCode ?? 200, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function refresh(routes: Record<string, RouteHandler>, clientId: string, refreshToken: string): Promise<AppAnswer> {
  return appCall(routes, '/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}

export function userinfo(routes: Record<string, RouteHandler>, accessToken: string): Promise<AppAnswer> {
  return appCall(routes, '/userinfo', {}, accessToken);
}

export async function introspect(routes: Record<string, RouteHandler>, clientId: string, token: string): Promise<boolean> {
  const answer = await appCall(routes, '/introspect', { client_id: clientId, token });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.active === true;
}
