/**
 * `npm run users` as an operator runs it: its own process against DynamoDB Local, every
 * command, and what each one does to a user who signed in (sessions) and gave an app offline
 * access (refresh token, access token) through the real handlers: a disabled user's refresh is
 * invalid_grant, userinfo 401 and introspection inactive; sign-out ends sessions and families;
 * delete frees the address. Wrong invocations exit 2 with the command's usage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { User } from '../../lib/auth/user-store.js';
import { getAccountServices } from '../../lib/runtime/account-services.js';
import { getConfig, getSessions, getUserDirectory } from '../../lib/runtime/services.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { getCache } from '../../lib/runtime/table-services.js';
import { UserStatusDirectory } from '../../lib/store/user-status-directory.js';
import { introspect, newUser, offlineTokens, oidcRoutes, refresh, registerApps, signedInBrowser, userinfo, type OfflineTokens } from '../support/account-access.js';
import { httpEvent } from '../support/fake-http-event.js';
import type { InProcessBrowser, RouteHandler } from '../support/in-process-browser.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let stack: TestStack;
let routes: Record<string, RouteHandler>;

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  routes = await oidcRoutes();
  await registerApps(stack, 'mail');
});
after(() => stack?.close());

async function users(...args: string[]) {
  return runCli('users', args, stack.env);
}

/** A user signed in once in a browser and holding an app's offline access. */
async function activeUser(prefix: string): Promise<{ user: User; browser: InProcessBrowser; tokens: OfflineTokens }> {
  const user = await newUser(prefix);
  const { browser } = await signedInBrowser(routes, user, FIREFOX_LINUX);
  return { user, browser, tokens: await offlineTokens(routes, browser, 'mail') };
}

async function isSignedIn(browser: InProcessBrowser): Promise<boolean> {
  return (await getSessions().verify(httpEvent('GET', '/', { cookies: browser.jar }))) !== undefined;
}

/** The audit line of the run, parsed. */
function auditLine(stdout: string, event: string): Record<string, any> {
  const line = stdout.split('\n').find((l) => l.startsWith('{') && l.includes(`"message":"${event}"`));
  assert.ok(line, `an audit line ${event} in ${stdout}`);
  return JSON.parse(line) as Record<string, any>;
}

describe('users CLI', () => {
  it('lists users by address prefix, sorted, at most --limit', async () => {
    const names = ['list-b', 'list-a', 'list-c'];
    const created = [];
    for (const name of names) created.push(await getUserDirectory().create({ email: `${name}@cli.example`, name, emailVerified: true }));
    const all = await users('list', '--prefix', 'list-');
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.split('\n').filter((l) => l.includes('@cli.example'));
    assert.deepEqual(lines.map((l) => l.split('  ')[0]), ['list-a@cli.example', 'list-b@cli.example', 'list-c@cli.example']);
    assert.match(lines[0]!, new RegExp(`^list-a@cli.example  ${created[1]!.id}  active  created \\d{4}-`));
    const limited = await users('list', '--prefix', 'LIST-', '--limit', '2');
    assert.equal(limited.stdout.split('\n').filter((l) => l.includes('@cli.example')).length, 2);
    assert.match((await users('list', '--prefix', 'nobody-here')).stdout, /\(no users\)/);
    const bad = await users('list', '--limit', 'zero');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit must be a whole number/);
    assert.match(bad.stderr, /users list \[--prefix/);
  });

  it('shows status, dates, sessions, apps and the lock state', async () => {
    const { user } = await activeUser('show');
    const throttle = new LoginThrottle({ cache: getCache(), settings: getConfig().bruteForce, clock: Date.now, kind: 'password' });
    const max = getConfig().bruteForce.perAccount.max;
    for (let i = 0; i < max; i++) assert.ok((await throttle.begin(user.email, { ip: `203.0.113.${i + 1}` })).allowed);

    const shown = await users('show', user.email);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^${user.email} \\(${user.id}\\)$`, 'm'));
    assert.match(shown.stdout, /^ {2}status: active$/m);
    assert.match(shown.stdout, new RegExp(`^  created: ${user.createdAt}$`, 'm'));
    assert.match(shown.stdout, /^ {2}last sign-in: \d{4}-\d\d-\d\dT/m);
    assert.match(shown.stdout, /^ {2}sessions: 1\n {4}Firefox 128 on Linux: signed in \d{4}-.*, last used \d{4}-/m);
    assert.match(shown.stdout, /^ {2}apps: 1\n {4}mail: offline access until \d{4}-/m);
    assert.match(shown.stdout, new RegExp(`^  lock: password ${max}/${max} failures, locked until \\d{4}-`, 'm'));
    assert.equal((await users('show', user.id)).stdout, shown.stdout, 'by id as by address');

    const unlocked = await users('unlock', user.email);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal(auditLine(unlocked.stdout, 'user.unlocked').subject.id, user.id);
    assert.ok((await throttle.begin(user.email, { ip: '203.0.113.200' })).allowed, 'the account can be tried again');
    assert.match((await users('show', user.email)).stdout, /^ {2}lock: password 1\/\d+ failures$/m);
  });

  it('disables a user: sessions end, refresh is invalid_grant, userinfo 401, introspection inactive; enable brings none back', async () => {
    const { user, browser, tokens } = await activeUser('disable');
    const run = await users('disable', user.email);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /disabled .*: every session ended, 1 grant\(s\) revoked/);
    const event = auditLine(run.stdout, 'user.disabled');
    assert.equal(event.actor.type, 'operator');
    assert.equal(event.subject.id, user.id);
    assert.ok(!JSON.stringify(event).includes(user.email), 'no full address in the audit line');

    assert.equal(await isSignedIn(browser), false);
    const refused = await refresh(routes, 'mail', tokens.refresh_token);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal((await userinfo(routes, tokens.access_token)).status, 401);
    assert.equal(await introspect(routes, 'mail', tokens.access_token), false);
    assert.equal(await introspect(routes, 'mail', tokens.refresh_token), false);
    assert.match((await users('show', user.id)).stdout, /^ {2}status: disabled since \d{4}-/m);

    const enabled = await users('enable', user.id);
    assert.equal(enabled.code, 0, enabled.stderr);
    auditLine(enabled.stdout, 'user.enabled');
    assert.match((await users('show', user.id)).stdout, /^ {2}status: active$/m);
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal(await isSignedIn(browser), false);
  });

  it('a disabled user refused even for grants the revocation missed (the user is read at every use)', async () => {
    const { user, tokens } = await activeUser('race');
    // The account flag alone, as if the (eventually consistent) list of grants had not shown this one yet.
    await new UserStatusDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now }).setDisabled(user.id, true);
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await userinfo(routes, tokens.access_token)).status, 401);
    assert.equal(await introspect(routes, 'mail', tokens.access_token), false);
    assert.equal(await introspect(routes, 'mail', tokens.refresh_token), false);
  });

  it('signs a user out everywhere: every session and every refresh family', async () => {
    const { user, browser, tokens } = await activeUser('signout');
    const second = await signedInBrowser(routes, user);
    const run = await users('sign-out', user.email);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /signed out .* everywhere: every session ended, 1 grant\(s\) revoked/);
    auditLine(run.stdout, 'sessions.ended');
    assert.equal(await isSignedIn(browser), false);
    assert.equal(await isSignedIn(second.browser), false);
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
    assert.match((await users('show', user.email)).stdout, /^ {2}sessions: 0$\n^ {2}apps: 0$/m);
    const after = await signedInBrowser(routes, user);
    assert.equal(await isSignedIn(after.browser), true, 'signing in again works');
  });

  it('deletes a user with everything it had; the address can register again', async () => {
    const { user, browser, tokens } = await activeUser('delete');
    await getAccountServices().consents.grant(user.id, 'mail', ['openid', 'email']);
    const run = await users('delete', user.email);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /deleted .*: 1 grant\(s\) and 1 consent\(s\) revoked/);
    auditLine(run.stdout, 'user.deleted');
    assert.equal(await getUserDirectory().findById(user.id), undefined);
    assert.equal(await isSignedIn(browser), false);
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal(await introspect(routes, 'mail', tokens.access_token), false);
    assert.deepEqual(await getAccountServices().consents.listFor(user.id), []);
    const again = await getUserDirectory().create({ email: user.email, name: 'Again', emailVerified: true });
    assert.notEqual(again.id, user.id);
    const gone = await users('delete', user.id);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, new RegExp(`no user ${user.id}`));
  });

  it('refuses wrong invocations with exit code 2 and the usage', async () => {
    const unknown = await users('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(unknown.stderr, /users sign-out <email\|id>/);
    const missing = await users('disable');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /give exactly one address or user id\nusage:\n {2}users disable/);
    const nobody = await users('show', 'nobody@cli.example');
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no user nobody@cli.example/);
  });
});
