/**
 * Passkeys in a real browser: Chromium (playwright-core) with a CDP virtual authenticator (CTAP2,
 * internal transport, resident keys, user verification) against the three instances behind the
 * round-robin proxy. A password sign-in offers a passkey and creates one; after signing out, the
 * passkey signs in through the button and through the email field's autofill (conditional
 * mediation: the page's call to navigator.credentials.get is recorded, since the virtual
 * authenticator would also answer a modal request); then it is removed from /account.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import type { User } from '../../lib/auth/user-store.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';

/**
 * Wraps navigator.credentials.get: records each call's `mediation` in sessionStorage (it outlives
 * the navigations of a sign-in), and with `sessionStorage.conditional = 'hold'` keeps conditional
 * requests pending (until aborted), so the button can be tested without the autofill answering first.
 */
const RECORD_GET_CALLS = `(() => {
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => {
    const calls = JSON.parse(sessionStorage.getItem('getCalls') || '[]');
    calls.push(options && options.mediation ? options.mediation : 'none');
    sessionStorage.setItem('getCalls', JSON.stringify(calls));
    if (options && options.mediation === 'conditional' && sessionStorage.getItem('conditional') === 'hold') {
      return new Promise((_, reject) => options.signal && options.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    return get(options);
  };
})();`;

let cluster: E2eCluster;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let user: User;
let passkeys: PasskeyDirectory;
const problems: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  cluster = await e2eCluster();
  const client = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  passkeys = new PasskeyDirectory({ client, tableName: cluster.config.tables.directory, clock: Date.now });
  const passwordHash = await new PasswordHasher(TEST_PASSWORD_SETTINGS).hash(PASSWORD);
  user = await new UserDirectory({ client, tableName: cluster.config.tables.directory, clock: Date.now }).create({
    email: `passkey-${randomBytes(4).toString('hex')}@example.com`,
    name: 'Passkey Walker',
    emailVerified: true,
    passwordHash,
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  context = await browser.newContext({ baseURL: cluster.proxyUrl });
  page = await context.newPage();
  await page.addInitScript({ content: RECORD_GET_CALLS });
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective));`,
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: page error: ${error.message}`));

  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
});

after(async () => {
  await browser?.close();
});

async function bodyText(): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}

async function getCalls(): Promise<string[]> {
  return JSON.parse(String(await page.evaluate(`sessionStorage.getItem('getCalls') || '[]'`))) as string[];
}

async function holdConditional(hold: boolean): Promise<void> {
  await page.evaluate(hold ? `sessionStorage.setItem('conditional', 'hold')` : `sessionStorage.removeItem('conditional')`);
}

async function signOut(): Promise<void> {
  await page.goto('/');
  await Promise.all([page.waitForNavigation(), page.locator('form[action$="/logout"] button').first().click()]);
  assert.ok(!(await bodyText()).includes('Signed in as'));
}

describe('passkeys in Chromium with a virtual authenticator, on three instances', () => {
  test('a password sign-in offers a passkey, and creates it', async () => {
    await page.goto('/login');
    await holdConditional(true);
    await page.reload();
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', PASSWORD);
    // The script marks the form once it knows this device can make a passkey.
    await page.waitForFunction(`document.querySelector('input[name="passkey_capable"]')?.value === 'yes'`);
    await Promise.all([page.waitForURL(/\/passkeys\/offer/), page.locator('form[action="/login"] button[type="submit"]').click()]);
    assert.match(await bodyText(), /Sign in faster next time/);
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Create a passkey' }).click()]);
    assert.match(await bodyText(), new RegExp(`Signed in as ${user.email}`));
    const [passkey] = await passkeys.listFor(user.id);
    assert.ok(passkey, 'the passkey is stored');
    assert.equal(passkey.userId, user.id);
  });

  test('the passkey signs in through the "Sign in with a passkey" button', async () => {
    await signOut();
    await page.goto('/login');
    await holdConditional(true);
    await page.reload();
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), button.click()]);
    assert.match(await bodyText(), new RegExp(`Signed in as ${user.email}`));
    assert.ok((await getCalls()).includes('none'), 'a modal request served the button');
  });

  test('the passkey signs in through the autofill (conditional mediation)', async () => {
    await signOut();
    await holdConditional(false);
    await page.evaluate(`sessionStorage.removeItem('getCalls')`);
    // The page starts the conditional request itself; the virtual authenticator answers it, and the page submits.
    await page.goto('/login', { waitUntil: 'commit' });
    await page.waitForURL((url) => url.pathname === '/', { timeout: 20_000 });
    assert.match(await bodyText(), new RegExp(`Signed in as ${user.email}`));
    assert.deepEqual(await getCalls(), ['conditional'], 'the only request was the conditional one the page started itself');
    assert.ok((await passkeys.listFor(user.id))[0]?.lastUsedAt, 'the use was recorded');
  });

  test('the passkey is removed from /account', async () => {
    await page.goto('/account');
    const form = page.locator('form[action="/account/passkeys/remove"]');
    assert.equal(await form.count(), 1, await bodyText());
    await form.locator('input[name="confirm"]').check();
    await Promise.all([page.waitForURL(/\/account/), form.locator('button[type="submit"]').click()]);
    assert.deepEqual(await passkeys.listFor(user.id), []);
    assert.match(await bodyText(), /You have no passkeys yet/);
  });

  test('every instance served the walk, with no CSP violation or page error', async () => {
    const counts = await cluster.proxy.counts();
    assert.ok(counts.length === 3 && counts.every((n) => n > 0), `requests per instance: ${counts.join(',')}`);
    assert.deepEqual(problems, []);
  });
});
