import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACR_MULTI_FACTOR, ACR_ONE_FACTOR, acrOf, satisfiesAcr } from '../../lib/oidc/acr.js';
import { acrDemand } from '../../lib/oidc/acr-request.js';

describe('acr from amr', () => {
  it('names multi-factor only when the session recorded mfa, never more', () => {
    assert.equal(acrOf(['pwd']), ACR_ONE_FACTOR);
    assert.equal(acrOf(['otp']), ACR_ONE_FACTOR);
    assert.equal(acrOf(['pwd', 'otp']), ACR_ONE_FACTOR, 'two values are not mfa unless the second step recorded it');
    assert.equal(acrOf(['hwk', 'user']), ACR_ONE_FACTOR);
    assert.equal(acrOf(['pwd', 'otp', 'mfa']), ACR_MULTI_FACTOR);
    assert.equal(acrOf(['hwk', 'user', 'mfa']), ACR_MULTI_FACTOR);
    assert.equal(acrOf([]), ACR_ONE_FACTOR);
  });

  it('orders the classes: mfa satisfies 1fa, not the other way', () => {
    assert.equal(satisfiesAcr(['pwd', 'otp', 'mfa'], ACR_ONE_FACTOR), true);
    assert.equal(satisfiesAcr(['pwd'], ACR_MULTI_FACTOR), false);
    assert.equal(satisfiesAcr(['pwd'], ACR_ONE_FACTOR), true);
  });
});

describe('what a request demands of acr', () => {
  const demand = (query: Record<string, string>, client: { requireMfa?: boolean } = {}) => acrDemand(new URLSearchParams(query), client);
  const claims = (acr: unknown) => JSON.stringify({ id_token: { acr } });

  it('asks nothing without acr_values or an acr claim', () => {
    assert.deepEqual(demand({}), { kind: 'any' });
    assert.deepEqual(demand({ claims: claims(null) }), { kind: 'any' });
    assert.deepEqual(demand({ claims: 'not json' }), { kind: 'any' });
    assert.deepEqual(demand({ claims: claims({ essential: true }) }), { kind: 'any' }, 'essential with no values: any class');
  });

  it('takes acr_values in order of preference and skips values it does not know', () => {
    assert.deepEqual(demand({ acr_values: ACR_MULTI_FACTOR }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ acr_values: `urn:other:gold ${ACR_MULTI_FACTOR}` }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ acr_values: `${ACR_ONE_FACTOR} ${ACR_MULTI_FACTOR}` }), { kind: 'at-least', acr: ACR_ONE_FACTOR });
    assert.deepEqual(demand({ acr_values: 'urn:other:gold' }), { kind: 'any' }, 'voluntary: an unknown class is not an error');
  });

  it('takes the claims parameter acr (value or values, id_token or userinfo), which wins over acr_values', () => {
    assert.deepEqual(demand({ claims: claims({ essential: true, value: ACR_MULTI_FACTOR }) }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ claims: claims({ values: ['urn:x', ACR_MULTI_FACTOR] }) }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ claims: JSON.stringify({ userinfo: { acr: { value: ACR_MULTI_FACTOR } } }) }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ claims: claims({ essential: true, value: ACR_MULTI_FACTOR }), acr_values: ACR_ONE_FACTOR }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
  });

  it('an essential acr of only unknown classes cannot be met (OpenID Connect Core 5.5.1.1)', () => {
    assert.deepEqual(demand({ claims: claims({ essential: true, values: ['urn:other:gold'] }) }), { kind: 'unmet-essential' });
    assert.deepEqual(demand({ claims: claims({ values: ['urn:other:gold'] }) }), { kind: 'any' });
  });

  it('a client that requires MFA demands it whatever the request says', () => {
    assert.deepEqual(demand({}, { requireMfa: true }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
    assert.deepEqual(demand({ acr_values: ACR_ONE_FACTOR }, { requireMfa: true }), { kind: 'at-least', acr: ACR_MULTI_FACTOR });
  });
});
