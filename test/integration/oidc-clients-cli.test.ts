/** The clients CLI and the demo-client seed against DynamoDB Local. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { systemClock } from '../../lib/clock.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { runClientsCli, UsageError } from '../../scripts/clients.js';
import { DEMO_CLIENT, seedDemoClient } from '../../scripts/seed.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let registry: ClientRegistry;
const printed: string[] = [];
const run = (...argv: string[]) => runClientsCli(argv, { registry, print: (line) => printed.push(line) });

before(async () => {
  stack = await startTestStack();
  registry = new ClientRegistry({
    client: stack.documentClient(),
    tableName: stack.config.tables.directory,
    hasher: new PasswordHasher({ logN: stack.config.password.scryptLogN }),
    clock: systemClock,
  });
});
after(() => stack.close());

describe('clients CLI', () => {
  it('adds a public client with exact redirect URIs and default grants', async () => {
    await run('add', '--id', 'spa', '--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'http://localhost:3001/cb', '--public', '--post-logout-redirect-uri', 'https://a.example/');
    const client = await registry.find('spa');
    assert.equal(client?.type, 'public');
    assert.deepEqual(client?.redirectUris, ['https://a.example/cb', 'http://localhost:3001/cb']);
    assert.deepEqual(client?.postLogoutRedirectUris, ['https://a.example/']);
    assert.deepEqual(client?.grantTypes, ['authorization_code', 'refresh_token']);
    assert.equal(client?.secretHash, undefined);
  });

  it('adds a confidential client whose secret is stored hashed and verifies', async () => {
    const secret = 'cli-secret-0123456789abcdef';
    await run('add', '--id', 'svc', '--secret', secret, '--grant', 'client_credentials');
    const client = (await registry.find('svc'))!;
    assert.equal(client.type, 'confidential');
    assert.deepEqual(client.grantTypes, ['client_credentials']);
    assert.ok(client.secretHash?.startsWith('scrypt$'));
    assert.ok(!client.secretHash!.includes(secret));
    assert.equal(await registry.verifySecret(client, secret), true);
    assert.equal(await registry.verifySecret(client, 'wrong-secret-0123456789'), false);
    assert.ok(!printed.join('\n').includes(secret), 'the secret is never printed');
  });

  it('refuses bad input with a usage error and keeps existing clients unless --replace', async () => {
    await assert.rejects(run('add', '--id', 'x', '--redirect-uri', 'https://a.example/cb', '--public', '--secret', 'long-enough-secret-123'), UsageError);
    await assert.rejects(run('add', '--id', 'x', '--redirect-uri', 'http://evil.example/cb'), UsageError);
    await assert.rejects(run('add', '--id', 'x', '--redirect-uri', 'https://a.example/cb', '--grant', 'implicit'), UsageError);
    await assert.rejects(run('add', '--id', 'spa', '--redirect-uri', 'https://b.example/cb'), /already exists/);
    await run('add', '--id', 'spa', '--redirect-uri', 'https://b.example/cb', '--replace');
    assert.deepEqual((await registry.find('spa'))?.redirectUris, ['https://b.example/cb']);
    await assert.rejects(run('frobnicate'), UsageError);
  });

  it('lists and removes clients', async () => {
    printed.length = 0;
    await run('list');
    const listing = printed.join('\n');
    assert.match(listing, /^spa \(public\)/m);
    assert.match(listing, /^svc \(confidential\)/m);
    await run('remove', 'svc');
    assert.equal(await registry.find('svc'), undefined);
    await assert.rejects(run('remove', 'svc'), /no client svc/);
  });

  it('seeds the demo client idempotently', async () => {
    const first = await seedDemoClient(stack.env);
    const second = await seedDemoClient(stack.env);
    assert.deepEqual(first, { clientId: 'demo-app', redirectUris: ['http://localhost:8080/callback'] });
    assert.deepEqual(second, first);
    const demo = await registry.find(DEMO_CLIENT.clientId);
    assert.equal(demo?.type, 'public');
    assert.deepEqual(demo?.postLogoutRedirectUris, ['http://localhost:8080/']);
  });
});
