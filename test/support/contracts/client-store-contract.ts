/**
 * What every `ClientStore` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit). The clients CLI's own tests
 * (test/integration/oidc-clients-cli.test.ts) cover what an operator sees.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../../lib/clock.js';
import { InvalidClientMetadataError } from '../../../lib/oidc/client-metadata.js';
import { ClientExistsError, type ClientStore } from '../../../lib/oidc/client-store.js';

export interface ClientStoreSubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A store over the suite's shared state, as another instance would open it (its own client). */
  open(): ClientStore;
}

const SECRET = 'contract-secret-0123456789abcdefghij';

/** `subjectFor` gets the clock every store of the suite must use; the cases drive it. */
export function describeClientStoreContract(name: string, subjectFor: (clock: Clock) => ClientStoreSubject): void {
  describe(`ClientStore contract: ${name}`, () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const clock: Clock = () => now;
    const subject = subjectFor(clock);
    let clients: ClientStore;

    before(async () => {
      await subject.setUp?.();
      clients = subject.open();
    });
    after(() => subject.tearDown?.());

    it('registers a public client with normalized metadata and finds it', async () => {
      const registered = await clients.register({ clientId: 'spa', redirectUris: ['https://a.example/cb'], postLogoutRedirectUris: ['https://a.example/'] });
      assert.deepEqual(registered, {
        clientId: 'spa',
        type: 'public',
        redirectUris: ['https://a.example/cb'],
        postLogoutRedirectUris: ['https://a.example/'],
        allowedScopes: registered.allowedScopes,
        grantTypes: ['authorization_code', 'refresh_token'],
        createdAt: new Date(now).toISOString(),
      });
      assert.ok(registered.allowedScopes.includes('openid'));
      assert.deepEqual(await clients.find('spa'), registered);
      assert.equal(await clients.find('nobody'), undefined);
    });

    it('keeps only a hash of a confidential client secret, which verifies that secret alone', async () => {
      const registered = await clients.register({ clientId: 'svc', secret: SECRET, redirectUris: [], grantTypes: ['client_credentials'] });
      const found = (await clients.find('svc'))!;
      assert.deepEqual(found, registered);
      assert.equal(found.type, 'confidential');
      assert.match(found.secretHash ?? '', /^sha256\$[A-Za-z0-9_-]{43}$/);
      assert.ok(!JSON.stringify(found).includes(SECRET));
      assert.equal(await clients.verifySecret(found, SECRET), true);
      assert.equal(await clients.verifySecret(found, `${SECRET.slice(0, -1)}k`), false);
      assert.equal(await clients.verifySecret(found, ''), false);
      assert.equal(await clients.verifySecret({ ...found, type: 'public' }, SECRET), false, 'a public client has no secret');
      assert.equal(await clients.verifySecret({ ...found, secretHash: 'scrypt$old' }, SECRET), false, 'another hash form never verifies');
    });

    it('refuses a taken id unless replacing', async () => {
      await clients.register({ clientId: 'taken', redirectUris: ['https://a.example/cb'] });
      await assert.rejects(clients.register({ clientId: 'taken', redirectUris: ['https://b.example/cb'] }), ClientExistsError);
      assert.deepEqual((await clients.find('taken'))?.redirectUris, ['https://a.example/cb']);
      await clients.register({ clientId: 'taken', redirectUris: ['https://b.example/cb'] }, { replace: true });
      assert.deepEqual((await clients.find('taken'))?.redirectUris, ['https://b.example/cb']);
    });

    it('keeps a display name and the first-party mark, and only a true mark', async () => {
      const named = await clients.register({ clientId: 'named', name: '  Example Mail ', firstParty: true, redirectUris: ['https://a.example/cb'] });
      assert.equal(named.name, 'Example Mail');
      assert.equal(named.firstParty, true);
      assert.deepEqual(await clients.find('named'), named);
      const third = await clients.register({ clientId: 'third', firstParty: false, redirectUris: ['https://a.example/cb'] });
      assert.equal('firstParty' in third, false);
      assert.equal('name' in third, false);
      assert.deepEqual(await clients.find('third'), third);
      await assert.rejects(clients.register({ clientId: 'bad-name', name: 'two\nlines', redirectUris: ['https://a.example/cb'] }), InvalidClientMetadataError);
      await assert.rejects(clients.register({ clientId: 'bad-name', name: 'x'.repeat(101), redirectUris: ['https://a.example/cb'] }), InvalidClientMetadataError);
    });

    it('refuses bad metadata, storing nothing', async () => {
      await assert.rejects(clients.register({ clientId: 'short', secret: 'a'.repeat(31), redirectUris: [], grantTypes: ['client_credentials'] }), InvalidClientMetadataError);
      await assert.rejects(clients.register({ clientId: 'plain-http', redirectUris: ['http://evil.example/cb'] }), InvalidClientMetadataError);
      assert.equal(await clients.find('short'), undefined);
      assert.equal(await clients.find('plain-http'), undefined);
    });

    it('lists every client ordered by id, and removes one', async () => {
      await clients.register({ clientId: 'zeta', redirectUris: ['https://z.example/cb'] });
      await clients.register({ clientId: 'alpha', redirectUris: ['https://a.example/cb'] });
      const ids = (await clients.list()).map((client) => client.clientId);
      assert.deepEqual(ids, [...ids].sort());
      assert.ok(ids.includes('alpha') && ids.includes('zeta'));
      assert.equal(await clients.remove('zeta'), true);
      assert.equal(await clients.remove('zeta'), false);
      assert.equal(await clients.find('zeta'), undefined);
      assert.ok(!(await clients.list()).some((client) => client.clientId === 'zeta'));
    });

    it('rotates a secret: the new one verifies, the old one only with an overlap; nothing for a client without a secret', async () => {
      await clients.register({ clientId: 'rot', secret: SECRET, redirectUris: [], grantTypes: ['client_credentials'] });
      const newer = `${SECRET}-newer`;
      const rotated = (await clients.rotateSecret('rot', newer, 60))!;
      assert.equal(rotated.previousSecret?.expiresAt, new Date(now + 60_000).toISOString());
      const found = (await clients.find('rot'))!;
      assert.deepEqual(found, rotated);
      assert.equal(await clients.verifySecret(found, newer), true);
      assert.equal(await clients.verifySecret(found, SECRET), true, 'within the overlap');
      const newest = `${SECRET}-newest`;
      await clients.rotateSecret('rot', newest, 0);
      const after = (await clients.find('rot'))!;
      assert.equal(after.previousSecret, undefined);
      assert.equal(await clients.verifySecret(after, newer), false);
      assert.equal(await clients.verifySecret(after, newest), true);
      await clients.register({ clientId: 'rot-public', redirectUris: ['https://a.example/cb'] });
      assert.equal(await clients.rotateSecret('rot-public', newer, 60), undefined);
      assert.equal(await clients.rotateSecret('rot-nobody', newer, 60), undefined);
    });

    it('updates a dynamically registered client only while its registration token hash is unchanged, keeping createdAt', async () => {
      const dynamic = { registrationTokenHash: 'sha256$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', tokenEndpointAuthMethod: 'none' as const, applicationType: 'web' as const, issuedAtS: now / 1000 };
      const registered = await clients.register({ clientId: 'dyn', redirectUris: ['https://a.example/cb'], dynamic, idTokenSignedResponseAlg: 'RS256' });
      assert.deepEqual(await clients.find('dyn'), registered);
      const updated = await clients.update({ clientId: 'dyn', redirectUris: ['https://a.example/cb2'], dynamic, name: 'Renamed' }, '2029-01-01T00:00:00.000Z');
      assert.equal(updated?.createdAt, '2029-01-01T00:00:00.000Z');
      assert.deepEqual(await clients.find('dyn'), updated);
      assert.equal(updated?.idTokenSignedResponseAlg, undefined, 'an update replaces the metadata');
      const otherHash = { ...dynamic, registrationTokenHash: 'sha256$BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
      assert.equal(await clients.update({ clientId: 'dyn', redirectUris: ['https://evil.example/cb'], dynamic: otherHash }, registered.createdAt), undefined);
      assert.equal(await clients.update({ clientId: 'dyn-missing', redirectUris: ['https://a.example/cb'], dynamic }, registered.createdAt), undefined);
      await clients.register({ clientId: 'static', redirectUris: ['https://a.example/cb'] });
      assert.equal(await clients.update({ clientId: 'static', redirectUris: ['https://evil.example/cb'], dynamic }, registered.createdAt), undefined, 'a CLI client has no registration token');
      assert.deepEqual((await clients.find('dyn'))?.redirectUris, ['https://a.example/cb2']);
    });

    it('keeps private_key_jwt keys and signing algorithms as registered', async () => {
      const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k' }] };
      const inline = await clients.register({ clientId: 'pkjwt', redirectUris: ['https://a.example/cb'], privateKeyJwt: { jwks }, userinfoSignedResponseAlg: 'ES256' });
      assert.equal(inline.type, 'confidential');
      assert.deepEqual(await clients.find('pkjwt'), inline);
      const byUri = await clients.register({ clientId: 'pkjwt-uri', redirectUris: ['https://a.example/cb'], privateKeyJwt: { jwksUri: 'https://a.example/jwks' } });
      assert.deepEqual(await clients.find('pkjwt-uri'), byUri);
      await assert.rejects(clients.register({ clientId: 'both', secret: SECRET, redirectUris: ['https://a.example/cb'], privateKeyJwt: { jwks } }), InvalidClientMetadataError);
    });

    it('hands out copies: changing a returned client changes nothing stored', async () => {
      const registered = await clients.register({ clientId: 'copy', redirectUris: ['https://a.example/cb'] });
      registered.redirectUris.push('https://evil.example/registered');
      const found = (await clients.find('copy'))!;
      found.redirectUris.push('https://evil.example/found');
      assert.deepEqual((await clients.find('copy'))?.redirectUris, ['https://a.example/cb']);
    });
  });
}
