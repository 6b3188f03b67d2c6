/**
 * private_key_jwt at the parsing and verification level: the request shapes that are refused
 * before any key is touched, and assertions that must not verify (algorithm confusion, wrong
 * issuer or subject, a key the client did not register). Single use across instances and races
 * run on DynamoDB Local in test/integration/oidc-client-registration.test.ts.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { CLIENT_ASSERTION_TYPE, ClientAssertionVerifier } from '../../lib/oidc/client-assertion.js';
import { authenticateClient, parseClientCredentials, type ClientLookup } from '../../lib/oidc/client-authentication.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';
import { InvalidClient, InvalidRequest } from '../../lib/oidc/errors.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const ISSUER = 'https://id.example.test';
const NOW = Date.parse('2040-01-01T00:00:00Z');
const clock = () => NOW;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };
const client: OAuthClient = {
  clientId: 'rp',
  type: 'confidential',
  redirectUris: [],
  postLogoutRedirectUris: [],
  allowedScopes: ['openid'],
  grantTypes: ['authorization_code'],
  createdAt: '',
  privateKeyJwt: { jwks: { keys: [publicJwk] } },
};
const noRemote = { keys: async () => Promise.reject(new Error('no jwks_uri here')) };

function verifier(): ClientAssertionVerifier {
  return new ClientAssertionVerifier({ issuer: ISSUER, store: new InMemoryTtlStore(clock), remoteKeys: noRemote, clock });
}

function sign(claims: Record<string, unknown> = {}, key: KeyObject | Uint8Array = privateKey, alg = 'RS256'): Promise<string> {
  const nowS = NOW / 1000;
  return new SignJWT({ iss: 'rp', sub: 'rp', aud: `${ISSUER}/token`, jti: randomUUID(), exp: nowS + 60, ...claims }).setProtectedHeader({ alg, kid: 'k1' }).sign(key);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

describe('private_key_jwt request shapes', () => {
  it('reads the client from the assertion, and refuses mixed, repeated or mistyped credentials', async () => {
    const assertion = await sign();
    const credentials = parseClientCredentials(undefined, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }));
    assert.deepEqual([credentials.method, credentials.clientId], ['private_key_jwt', 'rp']);
    const basic = `Basic ${Buffer.from('rp:secret').toString('base64')}`;
    assert.throws(() => parseClientCredentials(basic, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion })), InvalidRequest);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, client_secret: 'x' })), InvalidRequest);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion: assertion })), InvalidRequest);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion_type: 'urn:other', client_assertion: assertion })), InvalidClient);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, client_id: 'someone-else' })), InvalidRequest);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: 'not.a.jwt' })), InvalidClient);
    assert.throws(() => parseClientCredentials(undefined, form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: 'x'.repeat(9000) })), InvalidClient);
  });

  it('is refused for a client that registered a secret, and by a lookup without assertion support', async () => {
    const withSecret: OAuthClient = { ...client, privateKeyJwt: undefined, secretHash: 'sha256$x' };
    const lookup = (found: OAuthClient, verify?: ClientLookup['verifyAssertion']): ClientLookup => ({ find: async () => found, verifySecret: async () => false, ...(verify ? { verifyAssertion: verify } : {}) });
    const body = form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await sign() });
    await assert.rejects(authenticateClient(lookup(withSecret, async () => true), undefined, body), InvalidClient);
    await assert.rejects(authenticateClient(lookup(client), undefined, body), InvalidClient);
    const ok = await authenticateClient(lookup(client, (c, a) => verifier().verify(c, a)), undefined, body);
    assert.equal(ok.method, 'private_key_jwt');
  });
});

describe('ClientAssertionVerifier', () => {
  it('accepts a well-formed assertion once', async () => {
    const v = verifier();
    const assertion = await sign();
    assert.equal(await v.verify(client, assertion), true);
    assert.equal(await v.verify(client, assertion), false, 'replayed');
  });

  it('refuses HS256 keyed with the public key, a foreign key, and wrong issuer, subject or lifetime', async () => {
    const v = verifier();
    const confusion = await sign({}, new TextEncoder().encode(JSON.stringify(publicJwk)), 'HS256');
    assert.equal(await v.verify(client, confusion), false, 'HS256 is not an accepted algorithm');
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.equal(await v.verify(client, await sign({}, foreign)), false);
    assert.equal(await v.verify(client, await sign({ iss: 'other' })), false);
    assert.equal(await v.verify(client, await sign({ sub: 'other' })), false);
    assert.equal(await v.verify(client, await sign({ exp: NOW / 1000 + 3600 })), false, 'too long-lived to keep its jti');
    assert.equal(await v.verify(client, await sign({ exp: undefined })), false);
    assert.equal(await v.verify({ ...client, privateKeyJwt: undefined }, await sign()), false);
  });
});
