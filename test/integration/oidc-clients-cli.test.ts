/** The clients CLI and the demo-client seed against DynamoDB Local. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../../lib/clock.js';
import { InvalidClientMetadataError, type OAuthClient } from '../../lib/oidc/client-metadata.js';
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
  registry = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
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

  it('marks a client first-party and names it only when the operator says so', async () => {
    await run('add', '--id', 'own-app', '--redirect-uri', 'https://own.example/cb', '--name', 'Our Mail', '--first-party');
    const own = await registry.find('own-app');
    assert.equal(own?.firstParty, true);
    assert.equal(own?.name, 'Our Mail');
    assert.match(printed.at(-1) ?? '', /^added own-app \(public, first-party\) "Our Mail"$/m);
    await run('add', '--id', 'their-app', '--redirect-uri', 'https://their.example/cb');
    assert.equal((await registry.find('their-app'))?.firstParty, undefined);
  });

  it('marks a client as requiring MFA for all its users only with --require-mfa', async () => {
    await run('add', '--id', 'mfa-app', '--redirect-uri', 'https://mfa.example/cb', '--require-mfa');
    assert.equal((await registry.find('mfa-app'))?.requireMfa, true);
    assert.match(printed.at(-1) ?? '', /^added mfa-app \(public, requires MFA\)$/m);
    await run('add', '--id', 'plain-app', '--redirect-uri', 'https://plain.example/cb');
    assert.equal((await registry.find('plain-app'))?.requireMfa, undefined);
  });

  it('adds a confidential client whose secret is stored hashed and verifies', async () => {
    const secret = 'cli-secret-0123456789abcdefghijklmnop';
    await run('add', '--id', 'svc', '--secret', secret, '--grant', 'client_credentials');
    const client = (await registry.find('svc'))!;
    assert.equal(client.type, 'confidential');
    assert.deepEqual(client.grantTypes, ['client_credentials']);
    assert.match(client.secretHash ?? '', /^sha256\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!client.secretHash!.includes(secret));
    assert.equal(await registry.verifySecret(client, secret), true);
    assert.equal(await registry.verifySecret(client, 'cli-secret-0123456789abcdefghijklmnoq'), false);
    assert.equal(await registry.verifySecret(client, ''), false);
    assert.ok(!printed.join('\n').includes(secret), 'the secret is never printed');
  });

  it('refuses bad input with a usage error and keeps existing clients unless --replace', async () => {
    await assert.rejects(run('add', '--id', 'x', '--redirect-uri', 'https://a.example/cb', '--public', '--secret', 'long-enough-secret-0123456789abcdef'), UsageError);
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

describe('client secrets', () => {
  /** The stored item exactly as DynamoDB holds it, serialised. */
  async function rawItem(clientId: string): Promise<string> {
    const { Item } = await stack
      .documentClient()
      .send(new GetCommand({ TableName: stack.config.tables.directory, Key: { pk: `client#${clientId}`, sk: 'client' }, ConsistentRead: true }));
    assert.ok(Item, `client ${clientId} is stored`);
    return JSON.stringify(Item);
  }

  it('refuses a secret shorter than 32 characters, pointing at a generator, and stores nothing', async () => {
    const short = 'a'.repeat(31);
    await assert.rejects(run('add', '--id', 'short', '--secret', short, '--grant', 'client_credentials'), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /at least 32/);
      assert.match(error.message, /openssl rand -base64 32/);
      assert.match(error.message, /--generate-secret/);
      return true;
    });
    await assert.rejects(registry.register({ clientId: 'short', secret: short, redirectUris: [], grantTypes: ['client_credentials'] }), InvalidClientMetadataError);
    assert.equal(await registry.find('short'), undefined);
    await registry.register({ clientId: 'exactly-32', secret: 'b'.repeat(32), redirectUris: [], grantTypes: ['client_credentials'] });
    assert.equal(await registry.verifySecret((await registry.find('exactly-32'))!, 'b'.repeat(32)), true);
  });

  it('--generate-secret prints a fresh secret once, which authenticates and is stored only hashed', async () => {
    printed.length = 0;
    await run('add', '--id', 'generated', '--generate-secret', '--grant', 'client_credentials');
    const lines = printed.filter((line) => line.startsWith('client secret: '));
    assert.equal(lines.length, 1, 'printed once');
    const secret = lines[0]!.slice('client secret: '.length);
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.match(printed.join('\n'), /cannot be shown again/);

    const client = (await registry.find('generated'))!;
    assert.equal(client.type, 'confidential');
    assert.equal(await registry.verifySecret(client, secret), true);
    const wrong = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
    assert.equal(await registry.verifySecret(client, wrong), false);
    assert.equal(await registry.verifySecret(client, secret.slice(0, -1)), false);
    assert.equal(await registry.verifySecret(client, `${secret} `), false);

    const raw = await rawItem('generated');
    assert.ok(!raw.includes(secret), 'no plaintext secret in the stored item');
    assert.ok(!raw.includes(Buffer.from(secret).toString('base64')), 'nor an encoding of it');

    printed.length = 0;
    await run('add', '--id', 'generated', '--generate-secret', '--grant', 'client_credentials', '--replace');
    const rotated = printed.find((line) => line.startsWith('client secret: '))!.slice('client secret: '.length);
    assert.notEqual(rotated, secret, 'each run generates a new secret');
    const replaced = (await registry.find('generated'))!;
    assert.equal(await registry.verifySecret(replaced, rotated), true);
    assert.equal(await registry.verifySecret(replaced, secret), false, 'the old secret no longer works');
  });

  it('--generate-secret excludes --secret and --public', async () => {
    await assert.rejects(run('add', '--id', 'both', '--generate-secret', '--secret', 'c'.repeat(40), '--grant', 'client_credentials'), /only one of/);
    await assert.rejects(run('add', '--id', 'both', '--generate-secret', '--public', '--redirect-uri', 'https://a.example/cb'), /only one of/);
    assert.equal(await registry.find('both'), undefined);
  });

  it('never verifies against a public client or a malformed stored hash', async () => {
    const secret = 'd'.repeat(40);
    const good = (await registry.register({ clientId: 'hashes', secret, redirectUris: [], grantTypes: ['client_credentials'] })).secretHash!;
    const base: OAuthClient = { ...(await registry.find('hashes'))!, secretHash: good };
    assert.equal(await registry.verifySecret(base, secret), true);
    const digest = good.slice('sha256$'.length);
    for (const secretHash of [
      '',
      'sha256$',
      digest,
      `sha256$${digest.slice(0, -1)}`,
      `sha256$${digest}A`,
      `sha256$${digest}=`,
      `SHA256$${digest}`,
      `sha512$${digest}`,
      `sha256$${Buffer.from(digest, 'base64url').toString('base64')}`,
      'scrypt$17$8$1$c2FsdA$aGFzaA',
      `sha256$${'!'.repeat(43)}`,
    ]) {
      assert.equal(await registry.verifySecret({ ...base, secretHash }, secret), false, secretHash);
    }
    assert.equal(await registry.verifySecret({ ...base, type: 'public' }, secret), false);
    const { secretHash: _omitted, ...withoutHash } = base;
    assert.equal(await registry.verifySecret(withoutHash, secret), false);
  });
});
