/**
 * Multi-factor as a relying party sees it, with openid-client v6 against the shared
 * three-instance cluster: the client asks `acr_values` for the multi-factor class; the user (who
 * has TOTP) passes the password form and then the second step, each POST on another instance
 * than its form, with no session in between; the JWKS-validated ID token shows the matching
 * `acr` and `amr`, and `prompt=none` afterwards needs nothing more. (The step-up of an existing
 * one-factor session, enrolment for a user without a second factor and prompt=none's
 * interaction_required are in test/integration/step-up.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { KeyRingKeyedHasher } from '../../lib/auth/key-ring-keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../../lib/auth/totp.js';
import { TotpFactor } from '../../lib/auth/totp-factor.js';
import { systemClock } from '../../lib/clock.js';
import { ACR_MULTI_FACTOR, ACR_ONE_FACTOR } from '../../lib/oidc/acr.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { TotpDirectory } from '../../lib/store/totp-directory.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { buildInstance } from '../support/dataprotection-worker.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { SessionClient, type Page } from '../support/session-client.js';

const PASSWORD = 'correct horse battery staple 42';
const RP = { id: 'e2e-step-up', redirect: 'http://127.0.0.1:9091/cb' };
const insecure = { execute: [oidc.allowInsecureRequests] };

let cluster: E2eCluster;
let email: string;
let userId: string;
let secret: string;

before(async () => {
  cluster = await e2eCluster();
  // The cluster's tables and key ring, as one more instance would see them.
  const instance = buildInstance(cluster.config);
  const { documentClient: client, config } = instance;
  await new ClientRegistry({ client, tableName: config.tables.directory, clock: systemClock }).register({ clientId: RP.id, firstParty: true, redirectUris: [RP.redirect] }, { replace: true });
  email = `step-up-${randomBytes(4).toString('hex')}@example.com`;
  const users = new UserDirectory({ client, tableName: config.tables.directory, clock: systemClock });
  userId = (await users.create({ email, name: 'Step Up User', passwordHash: await new PasswordHasher(config.password).hash(PASSWORD), emailVerified: true })).id;
  const totp = new TotpFactor({
    store: new TotpDirectory({ client, tableName: config.tables.directory, clock: systemClock }),
    protector: instance.protector,
    recoveryHasher: new KeyRingKeyedHasher(instance.keyRing, `${config.appName}/recovery-codes`),
    throttle: new LoginThrottle({ cache: new TtlCache({ client, tableName: config.tables.cache, clock: systemClock }), settings: config.bruteForce, clock: systemClock, kind: 'code' }),
    clock: systemClock,
  });
  secret = newTotpSecret();
  // Confirmed with the previous step's code, so the current one is still unused.
  assert.ok((await totp.activate(userId, secret, totpCodeAt(secret, Date.now() - TOTP_PERIOD_S * 1000))).ok);
  instance.close();
});

async function startSignIn(config: oidc.Configuration, extra: Record<string, string>) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP.redirect,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Follows redirects on the site until one leaves it for the client. */
async function toCallback(b: SessionClient, start: Page): Promise<URL> {
  let page = start;
  for (let hop = 0; hop < 10; hop++) {
    assert.ok([302, 303].includes(page.status) && page.location, `expected a redirect: ${page.describe()}`);
    if (page.location!.startsWith(RP.redirect)) return new URL(page.location!);
    page = await b.get(page.location!);
  }
  throw new Error('no callback after 10 redirects');
}

describe('step-up with openid-client v6 against three instances', () => {
  it('acr_values for multi-factor: password, then the second step, and the ID token says mfa with pwd + otp + mfa', async () => {
    const config = await oidc.discovery(new URL(cluster.proxyUrl), RP.id, undefined, oidc.None(), insecure);
    assert.deepEqual(config.serverMetadata().acr_values_supported, [ACR_ONE_FACTOR, ACR_MULTI_FACTOR]);

    const b = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls });
    const started = await startSignIn(config, { acr_values: ACR_MULTI_FACTOR });
    const toLogin = await b.get(started.url.pathname + started.url.search);
    const loginPage = await b.get(toLogin.location!);
    const afterPassword = await b.submit(loginPage, { on: b.otherThan(loginPage.servedBy), overrides: { email, password: PASSWORD } });
    assert.equal(afterPassword.status, 303, afterPassword.describe());
    assert.equal(afterPassword.location, '/login/second-factor');
    assert.equal(b.cookie('__Host-session'), undefined, 'no session after the password alone');

    const step = await b.get(afterPassword.location!);
    assert.equal(step.status, 200, step.describe());
    const afterCode = await b.submit(step, { on: b.otherThan(step.servedBy), overrides: { code: totpCodeAt(secret, Date.now()) } });
    assert.equal(afterCode.status, 303, afterCode.describe());
    const callback = await toCallback(b, afterCode);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, userId);
    assert.equal(claims.acr, ACR_MULTI_FACTOR);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

    // The session now satisfies the class: prompt=none gets a code with nothing asked.
    const silent = await startSignIn(config, { acr_values: ACR_MULTI_FACTOR, prompt: 'none' });
    const silentCallback = await toCallback(b, await b.get(silent.url.pathname + silent.url.search));
    const silentTokens = await oidc.authorizationCodeGrant(config, silentCallback, { pkceCodeVerifier: silent.verifier, expectedState: silent.state, expectedNonce: silent.nonce, idTokenExpected: true });
    assert.equal(silentTokens.claims()!.acr, ACR_MULTI_FACTOR);
  });
});
