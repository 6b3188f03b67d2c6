/**
 * A real browser (Debian's Chromium, driven by playwright-core) walks registration, sign-out,
 * password sign-in and code sign-in through the round-robin load balancer in front of three
 * independent instances. It proves what the fetch-based tests cannot: that a browser accepts
 * and sends back the `__Host-` cookies, that the pages work under their CSP (no violation is
 * reported), and that forms submit as rendered. Every page is screenshotted into
 * test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { walkDemoApp } from '../support/demo-app-walk.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { ARTIFACTS_DIR } from '../support/offline-cluster.js';
import { OutboxReader } from '../support/outbox-reader.js';
import type { ProxiedRequest } from '../support/round-robin-proxy.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let cluster: E2eCluster;
let outbox: OutboxReader;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Console errors, CSP violations and page errors, with the URL they happened on. */
const problems: string[] = [];
/** Error statuses a step provoked on purpose: Chromium logs each as a console error. */
const provokedStatuses = new Set<number>();

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  cluster = await e2eCluster();
  outbox = new OutboxReader(cluster.config);

  context = await browser.newContext({ baseURL: cluster.proxyUrl });
  page = await context.newPage();
  // Reported by the page itself, whatever Chromium's console wording.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + (event.blockedURI || '(inline)'));
    });`,
  });
  page.on('console', (message) => {
    const provoked = /^Failed to load resource: the server responded with a status of (\d+)/.exec(message.text());
    if (provoked && provokedStatuses.has(Number(provoked[1]))) return;
    if (message.type() === 'error' || /Content Security Policy|CSP violation/i.test(message.text())) {
      problems.push(`${page.url()}: console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The login page fetches its passkey autofill options as it loads; leaving the page before the answer aborts that fetch, which is no failure.
    if (request.failure()?.errorText === 'net::ERR_ABORTED' && new URL(request.url()).pathname === '/passkeys/sign-in/options') return;
    problems.push(`${page.url()}: request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
});

after(async () => {
  await browser?.close();
  outbox?.close();
});

let shot = 0;
async function screenshot(step: string): Promise<void> {
  shot += 1;
  await page.screenshot({ path: join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${step}.png`), fullPage: true });
}

async function bodyText(): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}

/** Clicks the submit button of the form that has `field` and waits for the page it leads to. */
async function submitFormWith(field: string, expectedStatus = 200): Promise<void> {
  const form = page.locator(`form:has([name="${field}"])`);
  assert.equal(await form.count(), 1, `one form with a ${field} field on ${page.url()}: ${await bodyText()}`);
  const button = form.locator('button:not([type]), button[type="submit"], input[type="submit"]').first();
  if (expectedStatus >= 400) provokedStatuses.add(expectedStatus);
  const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
  assert.equal(response?.status(), expectedStatus, `after submitting ${field} on ${page.url()}: ${await bodyText()}`);
}

async function signOut(): Promise<void> {
  const form = page.locator('form[action$="/logout"]');
  assert.equal(await form.count(), 1, `a sign-out form: ${await bodyText()}`);
  const [response] = await Promise.all([page.waitForNavigation(), form.locator('button, input[type="submit"]').first().click()]);
  assert.equal(response?.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/');
  const text = await bodyText();
  assert.ok(!text.includes('Signed in as'), `signed out: ${text}`);
  const cookies = await context.cookies();
  assert.ok(!cookies.some((c) => c.name === '__Host-session'), `the browser dropped the session cookie: ${cookies.map((c) => c.name).join(', ')}`);
}

async function assertSignedInAs(email: string): Promise<void> {
  assert.equal(new URL(page.url()).pathname, '/');
  const text = await bodyText();
  assert.ok(text.includes(`Signed in as ${email}`), `expected "Signed in as ${email}": ${text}`);
  const session = (await context.cookies()).find((c) => c.name === '__Host-session');
  assert.ok(session, 'the browser kept __Host-session');
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.path, '/');
}

/**
 * For every form POST: the page whose form it submitted (the latest earlier answer for the same
 * path with status 200) came from another instance.
 */
function assertFormsCrossedInstances(log: readonly ProxiedRequest[]): number {
  const pathOf = (url: string) => url.split('?')[0];
  // The sign-out form lives on the home page; every other form posts to its own URL.
  const formPageOf = (path: string | undefined) => (path === '/logout' ? '/' : path);
  let posts = 0;
  for (const request of log) {
    // The login page's script fetches passkey options (a JSON POST, not a form) as it loads.
    if (request.method !== 'POST' || pathOf(request.url)?.endsWith('/options')) continue;
    const formPage = formPageOf(pathOf(request.url));
    const rendered = log.filter((r) => r.seq < request.seq && r.status === 200 && pathOf(r.url) === formPage).at(-1);
    assert.ok(rendered, `no page rendered the form posted to ${request.url}`);
    assert.notEqual(request.instance, rendered.instance, `POST ${request.url} ran on the instance that rendered its form (${request.instance})`);
    posts += 1;
  }
  return posts;
}

describe('in a browser, through the load balancer', () => {
  const email = `browser-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'a long browser password 7';

  test('registers a new user with a mailed code', async () => {
    const home = await page.goto('/');
    assert.equal(home?.status(), 200);
    await screenshot('home-signed-out');
    await Promise.all([page.waitForNavigation(), page.locator('a[href$="/register"]').first().click()]);
    assert.equal(new URL(page.url()).pathname, '/register');
    await screenshot('register-email');

    await page.fill('input[name="email"]', email);
    const sent = new Date();
    await submitFormWith('email');
    const codeInput = page.locator('input[name="code"]');
    assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
    await screenshot('register-code');

    await codeInput.fill(await outbox.waitForCode(email, sent));
    await submitFormWith('code');
    await screenshot('register-profile');

    await page.fill('input[name="name"]', 'Browser User');
    await page.fill('input[name="password"]', password);
    await submitFormWith('password');
    await assertSignedInAs(email);
    await screenshot('registered-signed-in');
  });

  test('signs out', async () => {
    await signOut();
    await screenshot('signed-out');
  });

  test('signs in with the password', async () => {
    await Promise.all([page.waitForNavigation(), page.locator('a[href$="/login"]').first().click()]);
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot('login-password');
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', 'not the password');
    await submitFormWith('password', 401);
    await screenshot('login-password-wrong');
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', password);
    await submitFormWith('password');
    await assertSignedInAs(email);
    await screenshot('login-password-signed-in');
    await signOut();
  });

  test('signs in with a mailed code', async () => {
    await Promise.all([page.waitForNavigation(), page.locator('a[href$="/login"]').first().click()]);
    const [start] = await Promise.all([page.waitForNavigation(), page.locator('a[href*="/login/code"]').first().click()]);
    assert.equal(start?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/login/code');
    await screenshot('login-code-email');
    await page.fill('input[name="email"]', email);
    const sent = new Date();
    await submitFormWith('email');
    await screenshot('login-code-code');
    await page.fill('input[name="code"]', await outbox.waitForCode(email, sent));
    await submitFormWith('code');
    await assertSignedInAs(email);
    await screenshot('login-code-signed-in');
  });

  test('every form was submitted to another instance than the one that rendered it', async () => {
    const log = await cluster.proxy.log();
    const counts = await cluster.proxy.counts();
    const posts = assertFormsCrossedInstances(log);
    assert.ok(posts >= 8, `expected at least 8 form POSTs, saw ${posts}: ${log.map((r) => `${r.method} ${r.url}@${r.instance}`).join(' ')}`);
    assert.deepEqual(
      counts.map((n) => n > 0),
      [true, true, true],
      `all instances served: ${counts.join(',')}`,
    );
  });

  test('no CSP violation, console error or failed request on any page', () => {
    assert.deepEqual(problems, []);
  });

  test('the CSP is enforced, and a violation would have been seen', async () => {
    // An inline script, which a strict CSP must block; proves the listener above can fail.
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
    })()`);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate('window.__inlineRan === true'), false, 'an inline script ran: the CSP does not block inline scripts');
    assert.ok(
      problems.some((p) => /CSP violation: script-src/.test(p)),
      `the violation was reported: ${JSON.stringify(problems)}`,
    );
  });

  test('a form on another site that posts to /logout signs nobody out', async () => {
    // 127.0.0.1 is another site than the issuer's localhost, so the SameSite=Lax session cookie
    // stays behind on the cross-site POST, as it would for any attacker's page.
    const target = new URL('/logout', cluster.proxyUrl).href;
    const attacker = createServer((request, response) => {
      if (request.url !== '/') return void response.writeHead(204).end();
      response.writeHead(200, { 'content-type': 'text/html' }).end(
        `<form method="post" action="${target}"><input type="hidden" name="next" value="/"></form><script>document.forms[0].submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = attacker.address() as AddressInfo;
      await Promise.all([page.waitForURL((url) => url.href.startsWith(target)), page.goto(`http://127.0.0.1:${port}/`)]);
      await page.waitForLoadState('load');
      await screenshot('cross-site-logout');
      const text = await bodyText();
      assert.ok(text.includes(`Sign out of ${cluster.proxyUrl}?`), `the user is asked, not signed out: ${text}`);
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
    await page.goto('/');
    await assertSignedInAs(email);
  });
});

describe('the demo app (npm run demo), in a browser', () => {
  test('signs in through the server\'s pages, shows the claims and userinfo, refreshes and signs out', async () => {
    await walkDemoApp({ browser, cluster, screenshotDir: SCREENSHOTS });
  });
});
