import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticateClient, decodeBasic, parseClientCredentials, type ClientLookup } from '../../lib/oidc/client-authentication.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';

/** What RFC 6749 section 2.3.1 says a client sends: form-urlencode each part, then base64. */
function basic(id: string, secret: string): string {
  const encode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

describe('decodeBasic', () => {
  it('decodes a plain pair', () => {
    assert.deepEqual(decodeBasic(basic('web', 'secret-value')), { clientId: 'web', secret: 'secret-value' });
  });

  it('url-decodes ids and secrets, so colons, plus signs, percent signs and non-ASCII survive', () => {
    const id = 'urn:client:1 & co';
    const secret = 'p:a+s%s/w=o rd é';
    assert.deepEqual(decodeBasic(basic(id, secret)), { clientId: id, secret });
    // A `+` in the raw (encoded) form is a space.
    assert.deepEqual(decodeBasic(`Basic ${Buffer.from('a+b:c+d').toString('base64')}`), { clientId: 'a b', secret: 'c d' });
  });

  it('accepts the scheme in any case and an empty secret', () => {
    assert.deepEqual(decodeBasic(`bAsIc ${Buffer.from('id:').toString('base64')}`), { clientId: 'id', secret: '' });
  });

  it('returns undefined for anything malformed', () => {
    for (const header of [
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from(':secret').toString('base64')}`,
      `Basic ${Buffer.from('bad%zzid:s').toString('base64')}`,
      `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64')}`,
      `Basic ${Buffer.from('id:secret').toString('base64').slice(0, -1)}`,
      `Bearer ${Buffer.from('id:secret').toString('base64')}`,
    ]) {
      assert.equal(decodeBasic(header), undefined, header);
    }
  });
});

describe('parseClientCredentials', () => {
  const form = (fields: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    return params;
  };

  it('reads client_secret_basic, client_secret_post and none', () => {
    assert.deepEqual(parseClientCredentials(basic('web', 's3cret'), form({})), {
      ok: true,
      credentials: { method: 'client_secret_basic', clientId: 'web', secret: 's3cret' },
    });
    assert.deepEqual(parseClientCredentials(undefined, form({ client_id: 'web', client_secret: 's3cret' })), {
      ok: true,
      credentials: { method: 'client_secret_post', clientId: 'web', secret: 's3cret' },
    });
    assert.deepEqual(parseClientCredentials(undefined, form({ client_id: 'spa' })), { ok: true, credentials: { method: 'none', clientId: 'spa' } });
  });

  it('allows a matching client_id beside Basic but refuses two methods or a different id', () => {
    assert.equal(parseClientCredentials(basic('web', 's'), form({ client_id: 'web' })).ok, true);
    const two = parseClientCredentials(basic('web', 's'), form({ client_secret: 's' }));
    assert.deepEqual(two.ok ? undefined : two.failure.error, 'invalid_request');
    const other = parseClientCredentials(basic('web', 's'), form({ client_id: 'spa' }));
    assert.deepEqual(other.ok ? undefined : other.failure.error, 'invalid_request');
  });

  it('answers invalid_client (401) for no credentials or a malformed header', () => {
    for (const [header, body] of [
      [undefined, form({})],
      ['Basic %%%', form({})],
    ] as const) {
      const result = parseClientCredentials(header, body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.failure.error, 'invalid_client');
        assert.equal(result.failure.status, 401);
      }
    }
  });

  it('refuses repeated credentials', () => {
    const result = parseClientCredentials(undefined, form({ client_id: ['a', 'a'] }));
    assert.equal(result.ok ? undefined : result.failure.error, 'invalid_request');
  });
});

describe('authenticateClient', () => {
  const web: OAuthClient = {
    clientId: 'web',
    type: 'confidential',
    secretHash: 'hash-of:right-secret',
    redirectUris: ['https://web.example/cb'],
    postLogoutRedirectUris: [],
    allowedScopes: ['openid'],
    grantTypes: ['authorization_code'],
    createdAt: '',
  };
  const spa: OAuthClient = { ...web, clientId: 'spa', type: 'public', secretHash: undefined };
  const lookup: ClientLookup = {
    find: async (id) => {
      // Like DynamoDB with an oversized key: an id we could never have registered must not get here.
      if (Buffer.byteLength(id) > 200) throw new Error('ValidationException: key too large');
      return [web, spa].find((c) => c.clientId === id);
    },
    verifySecret: async (client, secret) => client.secretHash === `hash-of:${secret}`,
  };

  it('authenticates a confidential client by either method', async () => {
    const viaBasic = await authenticateClient(lookup, basic('web', 'right-secret'), new URLSearchParams());
    assert.equal(viaBasic.ok && viaBasic.method, 'client_secret_basic');
    const viaPost = await authenticateClient(lookup, undefined, new URLSearchParams({ client_id: 'web', client_secret: 'right-secret' }));
    assert.equal(viaPost.ok && viaPost.method, 'client_secret_post');
  });

  it('refuses a wrong secret, a missing secret, an unknown client: invalid_client 401', async () => {
    for (const [header, body] of [
      [basic('web', 'wrong'), new URLSearchParams()],
      [undefined, new URLSearchParams({ client_id: 'web' })],
      [undefined, new URLSearchParams({ client_id: 'ghost' })],
      [basic('ghost', 'x'), new URLSearchParams()],
      [undefined, new URLSearchParams({ client_id: 'é'.repeat(1000) })],
    ] as const) {
      const result = await authenticateClient(lookup, header, body);
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual([result.failure.error, result.failure.status], ['invalid_client', 401]);
    }
  });

  it('lets a public client name itself, and refuses it when it presents a secret', async () => {
    const none = await authenticateClient(lookup, undefined, new URLSearchParams({ client_id: 'spa' }));
    assert.equal(none.ok && none.method, 'none');
    const withSecret = await authenticateClient(lookup, basic('spa', 'anything'), new URLSearchParams());
    assert.equal(withSecret.ok ? undefined : withSecret.failure.error, 'invalid_client');
  });
});
