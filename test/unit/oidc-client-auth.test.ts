import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticateClient, decodeBasic, parseClientCredentials, type ClientLookup } from '../../lib/oidc/client-authentication.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';
import { InvalidClient, InvalidRequest } from '../../lib/oidc/errors.js';

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
    assert.deepEqual(parseClientCredentials(basic('web', 's3cret'), form({})), { method: 'client_secret_basic', clientId: 'web', secret: 's3cret' });
    assert.deepEqual(parseClientCredentials(undefined, form({ client_id: 'web', client_secret: 's3cret' })), {
      method: 'client_secret_post',
      clientId: 'web',
      secret: 's3cret',
    });
    assert.deepEqual(parseClientCredentials(undefined, form({ client_id: 'spa' })), { method: 'none', clientId: 'spa' });
  });

  it('allows a matching client_id beside Basic but refuses two methods or a different id', () => {
    assert.equal(parseClientCredentials(basic('web', 's'), form({ client_id: 'web' })).clientId, 'web');
    assert.throws(() => parseClientCredentials(basic('web', 's'), form({ client_secret: 's' })), isInvalidRequest);
    assert.throws(() => parseClientCredentials(basic('web', 's'), form({ client_id: 'spa' })), isInvalidRequest);
  });

  it('answers invalid_client (401) for no credentials or a malformed header', () => {
    for (const [header, body] of [
      [undefined, form({})],
      ['Basic %%%', form({})],
    ] as const) {
      assert.throws(() => parseClientCredentials(header, body), isInvalidClient, String(header));
    }
  });

  it('refuses repeated credentials', () => {
    assert.throws(() => parseClientCredentials(undefined, form({ client_id: ['a', 'a'] })), isInvalidRequest);
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
    assert.deepEqual([viaBasic.client.clientId, viaBasic.method], ['web', 'client_secret_basic']);
    const viaPost = await authenticateClient(lookup, undefined, new URLSearchParams({ client_id: 'web', client_secret: 'right-secret' }));
    assert.deepEqual([viaPost.client.clientId, viaPost.method], ['web', 'client_secret_post']);
  });

  it('refuses a wrong secret, a missing secret, an unknown client: invalid_client 401', async () => {
    for (const [header, body] of [
      [basic('web', 'wrong'), new URLSearchParams()],
      [undefined, new URLSearchParams({ client_id: 'web' })],
      [undefined, new URLSearchParams({ client_id: 'ghost' })],
      [basic('ghost', 'x'), new URLSearchParams()],
      [undefined, new URLSearchParams({ client_id: 'é'.repeat(1000) })],
    ] as const) {
      await assert.rejects(authenticateClient(lookup, header, body), isInvalidClient);
    }
  });

  it('lets a public client name itself, and refuses it when it presents a secret', async () => {
    const none = await authenticateClient(lookup, undefined, new URLSearchParams({ client_id: 'spa' }));
    assert.deepEqual([none.client.clientId, none.method], ['spa', 'none']);
    await assert.rejects(authenticateClient(lookup, basic('spa', 'anything'), new URLSearchParams()), isInvalidClient);
  });
});

function isInvalidClient(error: unknown): boolean {
  return error instanceof InvalidClient && error.status === 401;
}

function isInvalidRequest(error: unknown): boolean {
  return error instanceof InvalidRequest && error.status === 400;
}
