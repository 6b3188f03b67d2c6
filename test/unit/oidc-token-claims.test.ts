import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { SigningKey } from '../../lib/signing/signing-key-ring.js';
import type { PublishedJwk } from '../../lib/signing/signing-key-policy.js';
import { accessTokenClaims, atHash, idTokenClaims, userinfoAudience } from '../../lib/oidc/token-claims.js';
import { TokenRejectedError, TokenSigner, TokenVerifier } from '../../lib/signing/token-signer.js';

const ISSUER = 'https://id.example';
const NOW = 1_900_000_000;
const user = { email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true, createdAt: '2030-01-01T00:00:00.000Z' };

function keyPair(kid: string): { signing: SigningKey; jwk: PublishedJwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exported = publicKey.export({ format: 'jwk' });
  const jwk: PublishedJwk = { kty: 'EC', crv: 'P-256', x: exported.x!, y: exported.y!, kid, alg: 'ES256', use: 'sig' };
  return { signing: { kid, alg: 'ES256', privateKey: privateKey as KeyObject, publicJwk: jwk }, jwk };
}

describe('ID token claims', () => {
  const base = {
    issuer: ISSUER,
    clientId: 'spa',
    subject: 'user-1',
    nowS: NOW,
    ttlS: 600,
    authTimeS: NOW - 30,
    amr: ['pwd'],
    sessionId: 'sid-1',
    nonce: 'n-1',
    scopes: ['openid'],
    user,
  };

  it('carries the OIDC Core claims', () => {
    const claims = idTokenClaims(base);
    assert.deepEqual(claims, { iss: ISSUER, sub: 'user-1', aud: 'spa', exp: NOW + 600, iat: NOW, auth_time: NOW - 30, nonce: 'n-1', acr: 'urn:identity:acr:1fa', amr: ['pwd'], sid: 'sid-1' });
  });

  it('adds user claims per scope only', () => {
    assert.equal(idTokenClaims(base).email, undefined);
    const profile = idTokenClaims({ ...base, scopes: ['openid', 'profile'] });
    assert.equal(profile.name, 'Ada Lovelace');
    assert.equal(profile.email, undefined);
    const email = idTokenClaims({ ...base, scopes: ['openid', 'email'] });
    assert.deepEqual([email.email, email.email_verified, email.name], ['ada@example.com', true, undefined]);
  });

  it('releases the standard profile claims the user has, with updated_at in epoch seconds', () => {
    const profiled = { ...user, profile: { given_name: 'Ada', family_name: 'Lovelace', locale: 'en-GB', zoneinfo: 'Europe/London' }, profileUpdatedAt: '2030-02-01T00:00:00.000Z' };
    const claims = idTokenClaims({ ...base, scopes: ['openid', 'profile'], user: profiled });
    assert.deepEqual(
      { name: claims.name, given_name: claims.given_name, family_name: claims.family_name, locale: claims.locale, zoneinfo: claims.zoneinfo, updated_at: claims.updated_at },
      { name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', locale: 'en-GB', zoneinfo: 'Europe/London', updated_at: Date.parse('2030-02-01T00:00:00Z') / 1000 },
    );
    assert.equal('nickname' in claims, false, 'a claim the user does not have is left out');
    assert.equal(idTokenClaims({ ...base, scopes: ['openid', 'profile'] }).updated_at, Date.parse(user.createdAt) / 1000, 'never changed: when created');
  });

  it('adds the claims a claims request asked for, without their scope', () => {
    const claims = idTokenClaims({ ...base, requestedClaims: ['email', 'given_name', 'unknown_claim'], user: { ...user, profile: { given_name: 'Ada' } } });
    assert.equal(claims.email, 'ada@example.com');
    assert.equal(claims.given_name, 'Ada');
    assert.equal(claims.email_verified, undefined, 'only what was asked');
    assert.equal(claims.name, undefined);
    assert.equal('unknown_claim' in claims, false);
  });

  it('omits nonce when the request had none, and adds at_hash for an access token', () => {
    const { nonce: _nonce, ...withoutNonce } = base;
    assert.equal('nonce' in idTokenClaims(withoutNonce), false);
    const claims = idTokenClaims({ ...base, accessToken: 'token-value' });
    const digest = createHash('sha256').update('token-value').digest();
    assert.equal(claims.at_hash, digest.subarray(0, 16).toString('base64url'));
    assert.equal(atHash('token-value'), claims.at_hash);
  });
});

describe('access token claims (RFC 9068)', () => {
  it('carries iss, sub, aud, client_id, scope, jti, exp, iat', () => {
    const claims = accessTokenClaims({
      issuer: ISSUER,
      clientId: 'spa',
      subject: 'user-1',
      audience: userinfoAudience(ISSUER),
      scopes: ['openid', 'email'],
      jti: 'jti-1',
      nowS: NOW,
      ttlS: 300,
      authTimeS: NOW - 10,
      grantId: 'g-1',
    });
    assert.deepEqual(claims, {
      iss: ISSUER,
      sub: 'user-1',
      aud: 'https://id.example/userinfo',
      client_id: 'spa',
      scope: 'openid email',
      jti: 'jti-1',
      exp: NOW + 300,
      iat: NOW,
      auth_time: NOW - 10,
      gid: 'g-1',
    });
  });

  it('omits an empty scope', () => {
    const claims = accessTokenClaims({ issuer: ISSUER, clientId: 'm', subject: 'm', audience: 'm', scopes: [], jti: 'j', nowS: NOW, ttlS: 60 });
    assert.equal('scope' in claims, false);
  });
});

describe('TokenSigner and TokenVerifier', () => {
  const current = keyPair('kid-current');
  const other = keyPair('kid-other');
  const published = new Map<string, PublishedJwk>([[current.jwk.kid, current.jwk]]);
  const signer = new TokenSigner({ currentSigningKey: async () => current.signing });
  let nowMs = NOW * 1000;
  const verifier = new TokenVerifier({ issuer: ISSUER, keys: { publishedKey: async (kid) => published.get(kid) }, clock: () => nowMs });
  const atClaims = () =>
    accessTokenClaims({ issuer: ISSUER, clientId: 'spa', subject: 'u', audience: userinfoAudience(ISSUER), scopes: ['openid'], jti: 'j', nowS: NOW, ttlS: 60 });

  it('signs ES256 with the current kid and the requested typ, verifiable against the JWKS', async () => {
    const token = await signer.sign(atClaims(), 'at+jwt');
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: 'kid-current', typ: 'at+jwt' });
    const jwks = createLocalJWKSet({ keys: [current.jwk] });
    const { payload } = await jwtVerify(token, jwks, { issuer: ISSUER, currentDate: new Date(nowMs) });
    assert.equal(payload.client_id, 'spa');
  });

  it('verifies access tokens and rejects expired, foreign-key, wrong-typ and tampered ones', async () => {
    const token = await signer.sign(atClaims(), 'at+jwt');
    assert.equal((await verifier.verifyAccessToken(token)).claims.jti, 'j');

    const expectRejection = async (candidate: string, reason: string) => {
      await assert.rejects(verifier.verifyAccessToken(candidate), (error: unknown) => error instanceof TokenRejectedError && error.reason === reason);
    };
    const idToken = await signer.sign(atClaims(), 'JWT');
    await expectRejection(idToken, 'invalid_claims');
    const foreign = await new TokenSigner({ currentSigningKey: async () => other.signing }).sign(atClaims(), 'at+jwt');
    await expectRejection(foreign, 'unknown_key');
    // Same kid, other key: the signature is what fails.
    const forged = await new TokenSigner({ currentSigningKey: async () => ({ ...other.signing, kid: 'kid-current' }) }).sign(atClaims(), 'at+jwt');
    await expectRejection(forged, 'bad_signature');
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')}.${s}`;
    await expectRejection(tampered, 'bad_signature');
    await expectRejection('not-a-jwt', 'malformed');
    nowMs += 61_000;
    await expectRejection(token, 'expired');
    nowMs -= 61_000;
  });

  it('stops accepting a key once it is no longer published', async () => {
    const token = await signer.sign(atClaims(), 'at+jwt');
    await verifier.verifyAccessToken(token);
    published.delete('kid-current');
    await assert.rejects(verifier.verifyAccessToken(token), (e: unknown) => e instanceof TokenRejectedError && e.reason === 'unknown_key');
    published.set('kid-current', current.jwk);
  });

  it('accepts an expired ID token as a logout hint, but not an access token', async () => {
    const id = await signer.sign(idTokenClaims({ issuer: ISSUER, clientId: 'spa', subject: 'u', nowS: NOW - 10_000, ttlS: 60, authTimeS: NOW - 10_000, amr: [], scopes: [], user }), 'JWT');
    assert.equal((await verifier.verifyIdTokenHint(id)).claims.aud, 'spa');
    const access = await signer.sign(atClaims(), 'at+jwt');
    await assert.rejects(verifier.verifyIdTokenHint(access), TokenRejectedError);
    const otherIssuer = await signer.sign({ ...idTokenClaims({ issuer: 'https://evil.example', clientId: 'spa', subject: 'u', nowS: NOW, ttlS: 60, authTimeS: NOW, amr: [], scopes: [], user }) }, 'JWT');
    await assert.rejects(verifier.verifyIdTokenHint(otherIssuer), TokenRejectedError);
  });
});
