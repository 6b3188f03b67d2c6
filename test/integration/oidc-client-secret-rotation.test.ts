/**
 * `clients rotate-secret`: the new secret works at once, the old one only for the overlap, both
 * checked at POST /token (client_credentials) on several instances with a driven clock. Also the
 * CLI's `--id-token-alg` and `token` commands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenHandler } from '../../functions/token.js';
import { InitialAccessTokens } from '../../lib/oidc/client-registration-tokens.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { runClientsCli, UsageError } from '../../scripts/clients.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, oidcInstances, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-08-01T00:00:00Z');
let stack: TestStack;
let oidc: OidcInstances;
let registry: ClientRegistry;
let tokens: InitialAccessTokens;
const time = { now: T0 };
const clock = () => time.now;
const printed: string[] = [];
const run = (...argv: string[]) => runClientsCli(argv, { registry, initialAccessTokens: () => tokens, print: (line) => printed.push(line) });

before(async () => {
  // No client cache: each /token reads the client, so what is checked is the stored secrets alone.
  stack = await startTestStack({ env: { CLIENT_CACHE_TTL_S: '0' } });
  oidc = oidcInstances(stack, clock);
  registry = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });
  tokens = new InitialAccessTokens(new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock }), clock);
});
after(() => stack.close());

/** The status of a client_credentials request with `secret`, on each instance in turn. */
async function statusWith(clientId: string, secret: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < oidc.all.length; i++) {
    const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
    const answer = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: 'grant_type=client_credentials', headers: { authorization: basic } }));
    statuses.push(answer.status);
  }
  return statuses;
}

function printedSecret(): string {
  const line = printed.find((entry) => entry.startsWith('client secret: '));
  assert.ok(line, printed.join('\n'));
  return line.slice('client secret: '.length);
}

describe('clients rotate-secret', () => {
  it('keeps the old secret valid for the overlap, then only the new one', async () => {
    printed.length = 0;
    await run('add', '--id', 'svc', '--generate-secret', '--grant', 'client_credentials');
    const old = printedSecret();
    assert.deepEqual(await statusWith('svc', old), [200, 200, 200]);

    printed.length = 0;
    await run('rotate-secret', 'svc', '--overlap', '1h');
    const fresh = printedSecret();
    assert.notEqual(fresh, old);
    assert.match(printed.join('\n'), /previous secret works until 2040-08-01T01:00:00.000Z/);
    assert.deepEqual(await statusWith('svc', fresh), [200, 200, 200]);
    time.now = T0 + 3600_000 - 1000;
    assert.deepEqual(await statusWith('svc', old), [200, 200, 200], 'within the overlap');
    time.now = T0 + 3600_000;
    assert.deepEqual(await statusWith('svc', old), [401, 401, 401], 'after it');
    assert.deepEqual(await statusWith('svc', fresh), [200, 200, 200]);
  });

  it('with --overlap 0 the old secret stops at once; a second rotation drops the first secret for good', async () => {
    time.now = T0;
    printed.length = 0;
    await run('add', '--id', 'svc2', '--generate-secret', '--grant', 'client_credentials');
    const first = printedSecret();
    printed.length = 0;
    await run('rotate-secret', 'svc2');
    const second = printedSecret();
    printed.length = 0;
    await run('rotate-secret', 'svc2', '--overlap', '0');
    const third = printedSecret();
    assert.deepEqual(await statusWith('svc2', first), [401, 401, 401]);
    assert.deepEqual(await statusWith('svc2', second), [401, 401, 401]);
    assert.deepEqual(await statusWith('svc2', third), [200, 200, 200]);
  });

  it('refuses a public client, an unknown one and a bad duration', async () => {
    await run('add', '--id', 'spa-rot', '--redirect-uri', 'https://a.example/cb');
    await assert.rejects(run('rotate-secret', 'spa-rot'), UsageError);
    await assert.rejects(run('rotate-secret', 'nobody'), UsageError);
    for (const bad of ['1w', '-5', '1.5h', '31d']) await assert.rejects(run('rotate-secret', 'svc', '--overlap', bad), UsageError, bad);
  });
});

describe('clients add --id-token-alg and clients token', () => {
  it('stores the ID token algorithm the operator picks, ES256 by default', async () => {
    await run('add', '--id', 'rs-cli', '--redirect-uri', 'https://a.example/cb', '--id-token-alg', 'RS256');
    assert.equal((await registry.find('rs-cli'))?.idTokenSignedResponseAlg, 'RS256');
    assert.equal((await registry.find('spa-rot'))?.idTokenSignedResponseAlg, undefined);
    await assert.rejects(run('add', '--id', 'bad-alg', '--redirect-uri', 'https://a.example/cb', '--id-token-alg', 'HS256'), UsageError);
  });

  it('issues an initial access token valid for --ttl, printed once, stored hashed', async () => {
    time.now = T0;
    printed.length = 0;
    await run('token', '--ttl', '10m');
    const token = printed[0]!.replace('initial access token: ', '');
    assert.match(printed[1]!, /valid until 2040-08-01T00:10:00.000Z/);
    assert.equal(await tokens.isValid(token), true);
    time.now = T0 + 600_000;
    assert.equal(await tokens.isValid(token), false);
    await assert.rejects(run('token', '--ttl', '0'), UsageError);
  });
});
