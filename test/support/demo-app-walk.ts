/**
 * The demo relying party (`npm run demo`, scripts/demo-app.ts) walked in a real browser against
 * an offline cluster: Sign in → the server's login page → back with the ID token's claims and
 * the userinfo answer shown → Refresh → Sign out (RP-initiated logout, back to the demo).
 * The demo runs in this process on a free port, whose redirect URIs the seed registers
 * (DEMO_PORT), as `npm run demo` does against the local stack.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { systemClock } from '../../lib/clock.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { createDemoApp } from '../../scripts/demo-app.js';
import { DEMO_CLIENT } from '../../scripts/demo-client.js';
import { seedDemoClient } from '../../scripts/seed.js';
import type { E2eCluster } from './e2e-cluster.js';

export interface DemoWalkOptions {
  browser: Browser;
  cluster: E2eCluster;
  screenshotDir: string;
}

export async function walkDemoApp({ browser, cluster, screenshotDir }: DemoWalkOptions): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://localhost:${port}`;
  const seeded = await seedDemoClient({ ...cluster.env, DEMO_PORT: String(port) });
  assert.deepEqual(seeded.redirectUris, [...DEMO_CLIENT.redirectUris, `${baseUrl}/callback`], 'the seed registers the demo port besides 8080');

  const email = `demo-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'a long demo password 9';
  const documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  try {
    const users = new UserDirectory({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
    await users.create({ email, name: 'Demo User', passwordHash: await new PasswordHasher(cluster.config.password).hash(password), emailVerified: true });
  } finally {
    documentClient.destroy();
  }

  const config = await oidc.discovery(new URL(cluster.proxyUrl), DEMO_CLIENT.clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  server.on('request', createDemoApp({ config, baseUrl }));
  // A context of its own: the browser must not bring a session from the other walks.
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(`${page.url()}: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  let shot = 0;
  const screenshot = (step: string) => page.screenshot({ path: join(screenshotDir, `demo-${String(++shot).padStart(2, '0')}-${step}.png`), fullPage: true });
  try {
    await page.goto(`${baseUrl}/`);
    assert.match(await text(page), /You are not signed in/);
    await screenshot('signed-out');

    await Promise.all([page.waitForURL((url) => url.pathname === '/login'), page.click('a[href="/login"]')]);
    assert.ok(page.url().startsWith(cluster.proxyUrl), `the server's login page: ${page.url()}`);
    await screenshot('server-login');
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', password);
    await Promise.all([page.waitForURL(`${baseUrl}/`), page.locator('form:has([name="password"]) button').first().click()]);
    await screenshot('signed-in');

    const claims = JSON.parse(await page.locator('#claims').innerText()) as Record<string, unknown>;
    assert.equal(claims.iss, cluster.proxyUrl);
    assert.equal(claims.aud, DEMO_CLIENT.clientId);
    assert.equal(claims.email, email);
    const userinfo = JSON.parse(await page.locator('#userinfo').innerText()) as Record<string, unknown>;
    assert.equal(userinfo.sub, claims.sub);
    assert.equal(userinfo.email, email);
    assert.match(await text(page), new RegExp(`Signed in as ${email.replace(/[.]/g, '\\.')}`));

    await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('form[action="/refresh"] button')]);
    assert.match(await page.locator('#refreshed').innerText(), /Tokens refreshed at/);
    assert.equal(JSON.parse(await page.locator('#userinfo').innerText()).sub, claims.sub, 'userinfo again with the new access token');
    await screenshot('refreshed');

    await Promise.all([page.waitForURL(`${baseUrl}/?state=signed-out`), page.click('form[action="/logout"] button')]);
    assert.match(await text(page), /You are signed out/);
    await screenshot('signed-out-again');
    // Signed out at the server too: signing in again asks for the password.
    await Promise.all([page.waitForURL((url) => url.pathname === '/login'), page.click('a[href="/login"]')]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function text(page: Page): Promise<string> {
  return (await page.locator('body').innerText()).replace(/\s+/g, ' ');
}
