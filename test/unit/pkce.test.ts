import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isValidCodeChallenge, isValidCodeVerifier, SUPPORTED_CODE_CHALLENGE_METHODS, verifyPkce } from '../../lib/oidc/pkce.js';

// RFC 7636 appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function challengeFor(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

describe('verifyPkce', () => {
  it('accepts the RFC 7636 appendix B example', () => {
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_CHALLENGE, 'S256'), true);
  });

  it('rejects a different verifier or challenge', () => {
    assert.equal(verifyPkce(RFC_VERIFIER.replace(/k$/, 'K'), RFC_CHALLENGE, 'S256'), false);
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_CHALLENGE.replace(/M$/, 'N'), 'S256'), false);
  });

  it('supports only S256', () => {
    assert.deepEqual(SUPPORTED_CODE_CHALLENGE_METHODS, ['S256']);
    // With plain, challenge == verifier; it must still fail.
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_VERIFIER, 'plain'), false);
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_CHALLENGE, 's256'), false);
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_CHALLENGE, ''), false);
  });

  it('accepts verifiers of 43 and 128 characters using every unreserved character', () => {
    for (const verifier of ['a'.repeat(43), 'Az09-._~'.repeat(16)]) {
      assert.equal(verifyPkce(verifier, challengeFor(verifier), 'S256'), true, verifier);
    }
  });

  it('rejects verifiers outside the RFC 7636 syntax even when the hash matches', () => {
    for (const verifier of ['a'.repeat(42), 'a'.repeat(129), 'a'.repeat(42) + '+', 'a'.repeat(42) + '/', 'a'.repeat(42) + 'é', '']) {
      assert.equal(verifyPkce(verifier, challengeFor(verifier), 'S256'), false, verifier);
    }
  });

  it('rejects a padded or malformed challenge without throwing', () => {
    assert.equal(verifyPkce(RFC_VERIFIER, RFC_CHALLENGE + '=', 'S256'), false);
    assert.equal(verifyPkce(RFC_VERIFIER, '', 'S256'), false);
    assert.equal(verifyPkce(RFC_VERIFIER, 'é'.repeat(43), 'S256'), false);
  });
});

describe('syntax checks', () => {
  it('isValidCodeChallenge takes exactly 43 base64url characters', () => {
    assert.equal(isValidCodeChallenge(RFC_CHALLENGE), true);
    assert.equal(isValidCodeChallenge(RFC_CHALLENGE.slice(1)), false);
    assert.equal(isValidCodeChallenge(RFC_CHALLENGE + 'A'), false);
    assert.equal(isValidCodeChallenge(RFC_CHALLENGE.replace('-', '+')), false);
  });

  it('isValidCodeVerifier follows RFC 7636 section 4.1', () => {
    assert.equal(isValidCodeVerifier(RFC_VERIFIER), true);
    assert.equal(isValidCodeVerifier('~'.repeat(128)), true);
    assert.equal(isValidCodeVerifier('a'.repeat(42) + ' '), false);
  });
});
