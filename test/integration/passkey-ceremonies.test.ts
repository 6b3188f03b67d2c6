/**
 * The passkey ceremonies on DynamoDB Local, with a software authenticator: every step on a new
 * "instance" (its own clients), and each way a response can be wrong refused for its own reason.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PasskeyAuthentication } from '../../lib/auth/passkey-authentication.js';
import { CHALLENGE_TTL_S, PasskeyChallenges } from '../../lib/auth/passkey-challenges.js';
import { PasskeyRegistration, type Registrant } from '../../lib/auth/passkey-registration.js';
import type { RelyingParty } from '../../lib/auth/passkey-relying-party.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { SoftwareAuthenticator, type CeremonyOverrides } from '../support/software-authenticator.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const ORIGIN = 'http://localhost:3000';
const relyingParty: RelyingParty = { name: 'identity', rpId: 'localhost', origins: [ORIGIN] };
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

describe('passkey ceremonies on DynamoDB Local', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;

  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  /** A new instance's view: its own DynamoDB client over the shared tables. */
  function instance() {
    const client = stack.documentClient();
    const passkeys = new PasskeyDirectory({ client, tableName: stack.config.tables.directory, clock });
    const challenges = new PasskeyChallenges(new TtlCache({ client, tableName: stack.config.tables.cache, clock }));
    return {
      passkeys,
      registration: new PasskeyRegistration({ passkeys, challenges, relyingParty, clock }),
      authentication: new PasskeyAuthentication({ passkeys, challenges, relyingParty, clock }),
    };
  }

  function someRegistrant(): Registrant {
    const id = randomUUID();
    return { user: { id, email: `${id}@example.com`, name: 'Ada' }, sessionId: randomUUID() };
  }

  async function registered(authenticator: SoftwareAuthenticator, registrant = someRegistrant()) {
    const options = await instance().registration.options(registrant);
    const result = await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options)));
    assert.ok(result.ok, JSON.stringify(result));
    return { registrant, passkey: result.passkey };
  }

  async function signIn(authenticator: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
    const options = await instance().authentication.options();
    return instance().authentication.verify(JSON.stringify(authenticator.authenticate(options, overrides)));
  }

  it('registers a discoverable, user-verified passkey and signs in with it on another instance', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, synced: true, counting: false, aaguid: GOOGLE_PASSWORD_MANAGER });
    const registrant = someRegistrant();
    const options = await instance().registration.options(registrant);
    assert.equal(options.rp.id, 'localhost');
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    assert.equal(options.attestation, 'none');
    assert.equal(Buffer.from(options.user.id, 'base64url').toString('utf8'), registrant.user.id, 'the user handle is the user id');
    assert.equal(options.timeout, CHALLENGE_TTL_S * 1000);

    const result = await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options)));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual({ ...result.passkey, publicKey: undefined }, {
      id: authenticator.credentials[0]!.id.toString('base64url'),
      userId: registrant.user.id,
      publicKey: undefined,
      counter: 0,
      transports: ['internal'],
      backupEligible: true,
      backedUp: true,
      aaguid: GOOGLE_PASSWORD_MANAGER,
      name: 'Google Password Manager',
      createdAt: new Date(now).toISOString(),
    });

    const signInOptions = await instance().authentication.options();
    assert.deepEqual(signInOptions.allowCredentials, [], 'usernameless: the browser offers whatever passkey it holds');
    assert.equal(signInOptions.userVerification, 'preferred');
    const signedIn = await instance().authentication.verify(JSON.stringify(authenticator.authenticate(signInOptions)));
    assert.ok(signedIn.ok, JSON.stringify(signedIn));
    assert.equal(signedIn.userVerified, true);
    assert.equal(signedIn.passkey.userId, registrant.user.id);
    assert.equal((await instance().passkeys.find(result.passkey.id))?.lastUsedAt, new Date(now).toISOString());
  });

  it("excludes the user's existing passkeys from a new registration", async () => {
    const { registrant, passkey } = await registered(new SoftwareAuthenticator({ origin: ORIGIN }));
    const options = await instance().registration.options(registrant);
    assert.deepEqual(options.excludeCredentials, [{ id: passkey.id, type: 'public-key', transports: ['internal'] }]);
  });

  it('refuses a registration without user verification, and stores nothing', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const registrant = someRegistrant();
    const options = await instance().registration.options(registrant);
    const result = await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options, { userVerified: false })));
    assert.deepEqual(result, { ok: false, reason: 'user-not-verified' });
    assert.deepEqual(await instance().passkeys.listFor(registrant.user.id), []);
  });

  it('refuses a registration challenge used twice', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const registrant = someRegistrant();
    const options = await instance().registration.options(registrant);
    assert.ok((await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options)))).ok);
    const again = await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options)));
    assert.deepEqual(again, { ok: false, reason: 'challenge' });
  });

  it('refuses a registration challenge issued to another user or another session', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const registrant = someRegistrant();
    const options = await instance().registration.options(registrant);
    const response = JSON.stringify(authenticator.register(options));
    assert.deepEqual(await instance().registration.verify({ ...registrant, sessionId: randomUUID() }, response), { ok: false, reason: 'challenge' });
    const other = someRegistrant();
    assert.deepEqual(await instance().registration.verify({ ...other, sessionId: registrant.sessionId }, response), { ok: false, reason: 'challenge' });
    assert.ok((await instance().registration.verify(registrant, response)).ok, 'the refused attempts did not burn the challenge of its own session');
  });

  it('refuses a challenge from the other ceremony, both ways', async () => {
    const { registrant } = await registered(new SoftwareAuthenticator({ origin: ORIGIN }));
    const signer = new SoftwareAuthenticator({ origin: ORIGIN });
    await registered(signer);
    const registrationOptions = await instance().registration.options(registrant);
    const asSignIn = await instance().authentication.verify(JSON.stringify(signer.authenticate({ challenge: registrationOptions.challenge })));
    assert.deepEqual(asSignIn, { ok: false, reason: 'challenge' });

    const signInOptions = await instance().authentication.options();
    const newcomer = new SoftwareAuthenticator({ origin: ORIGIN });
    const asRegistration = await instance().registration.verify(
      registrant,
      JSON.stringify(newcomer.register({ ...registrationOptions, challenge: signInOptions.challenge })),
    );
    assert.deepEqual(asRegistration, { ok: false, reason: 'challenge' });
  });

  it('refuses a response from a wrong origin or for a wrong RP id, in both ceremonies', async () => {
    for (const overrides of [{ origin: 'https://evil.example' }, { origin: 'http://localhost:3001' }, { rpId: 'evil.example' }]) {
      const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
      const registrant = someRegistrant();
      const options = await instance().registration.options(registrant);
      assert.deepEqual(await instance().registration.verify(registrant, JSON.stringify(authenticator.register(options, overrides))), { ok: false, reason: 'invalid' }, JSON.stringify(overrides));
      assert.deepEqual(await instance().passkeys.listFor(registrant.user.id), []);
    }
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registered(authenticator);
    assert.deepEqual(await signIn(authenticator, { origin: 'https://evil.example' }), { ok: false, reason: 'invalid' });
    assert.deepEqual(await signIn(authenticator, { rpId: 'evil.example' }), { ok: false, reason: 'invalid' });
    assert.ok((await signIn(authenticator)).ok, 'the same authenticator signs in from the right origin');
  });

  it('signs in without user verification as one factor only', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registered(authenticator);
    const result = await signIn(authenticator, { userVerified: false });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.userVerified, false);
  });

  it('refuses a sign-in challenge used twice, and of 10 instances verifying one response at once exactly one succeeds', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registered(authenticator);
    const options = await instance().authentication.options();
    const response = JSON.stringify(authenticator.authenticate(options));
    assert.ok((await instance().authentication.verify(response)).ok);
    assert.deepEqual(await instance().authentication.verify(response), { ok: false, reason: 'challenge' });

    const raced = JSON.stringify(authenticator.authenticate(await instance().authentication.options()));
    const results = await Promise.all(Array.from({ length: 10 }, () => instance().authentication.verify(raced)));
    assert.equal(results.filter((r) => r.ok).length, 1);
    for (const r of results.filter((r) => !r.ok)) assert.deepEqual(r, { ok: false, reason: 'challenge' });
  });

  it('treats a challenge past its five minutes as gone while DynamoDB still holds it', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registered(authenticator);
    const options = await instance().authentication.options();
    now += (CHALLENGE_TTL_S + 1) * 1000;
    assert.deepEqual(await instance().authentication.verify(JSON.stringify(authenticator.authenticate(options))), { ok: false, reason: 'challenge' });
  });

  it("refuses a credential presented as another user's (user handle), and a credential id already registered", async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const { passkey } = await registered(authenticator);
    const other = await registered(new SoftwareAuthenticator({ origin: ORIGIN }));
    const asOther = await signIn(authenticator, { userHandle: Buffer.from(other.registrant.user.id).toString('base64url') });
    assert.deepEqual(asOther, { ok: false, reason: 'invalid' });
    assert.deepEqual(await signIn(authenticator, { userHandle: '' }), { ok: false, reason: 'invalid' });

    // The same credential id offered again, for another user: refused, the owner keeps it.
    const stranger = someRegistrant();
    const options = await instance().registration.options(stranger);
    const result = await instance().registration.verify(stranger, JSON.stringify(new SoftwareAuthenticator({ origin: ORIGIN }).register(options, { credentialId: passkey.id })));
    assert.deepEqual(result, { ok: false, reason: 'taken' });
    assert.equal((await instance().passkeys.find(passkey.id))?.userId, passkey.userId);
  });

  it('refuses a counter that goes backwards or repeats, and keeps accepting one that moves on', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const { passkey } = await registered(authenticator);
    assert.ok((await signIn(authenticator, { counter: 7 })).ok);
    for (const counter of [7, 3, 0]) {
      const result = await signIn(authenticator, { counter });
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, 'counter-regressed', String(counter));
    }
    assert.equal((await instance().passkeys.find(passkey.id))?.counter, 7);
    assert.ok((await signIn(authenticator, { counter: 8 })).ok);
  });

  it('accepts a counter of 0 that stays 0 (synced passkeys do not count)', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN, synced: true, counting: false });
    await registered(authenticator);
    for (let i = 0; i < 3; i++) assert.ok((await signIn(authenticator)).ok, `use ${i}`);
  });

  it('refuses a removed passkey and anything that is not an authentication response', async () => {
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const { passkey } = await registered(authenticator);
    assert.equal(await instance().passkeys.remove(passkey.userId, passkey.id), true);
    assert.deepEqual(await signIn(authenticator), { ok: false, reason: 'unknown-credential' });
    const options = await instance().authentication.options();
    for (const json of ['', 'null', '{}', JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key', response: {} })]) {
      assert.deepEqual(await instance().authentication.verify(json), { ok: false, reason: 'malformed' }, json);
    }
    const asCreate = await instance().authentication.verify(JSON.stringify(authenticator.authenticate(options, { credentialId: passkey.id, type: 'webauthn.create' })));
    assert.deepEqual(asCreate, { ok: false, reason: 'malformed' });
  });
});
