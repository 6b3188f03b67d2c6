/**
 * Fetching a registrant's jwks_uri: each refused case, against a real loopback https server
 * with a self-signed certificate (made by openssl for the host name `jwks.test`). What is not
 * real, and why: DNS answers are injected (`resolve`), since a test cannot make public DNS
 * return a private address; and loopback is allowed (allowLoopback, the REMOTE_JWKS_ALLOW_LOOPBACK
 * setting) wherever the refusal under test comes after the address check, since the only server
 * a test can run is on loopback.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPublicAddress, RemoteJwks, RemoteJwksError, type RemoteJwksFailure } from '../../lib/oidc/remote-jwks.js';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { loadConfig } from '../../lib/config.js';
import { ClientAssertionVerifier } from '../../lib/oidc/client-assertion.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';
import { startHungServer, type HungServer } from '../support/hung-server.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const JWKS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] };

let server: Server;
let port: number;
let ca: string;
let hung: HungServer;
/** What the server answers per path. */
const routes: Record<string, (response: import('node:http').ServerResponse) => void> = {
  '/jwks': (response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(JWKS)),
  '/redirect': (response) => response.writeHead(302, { location: '/jwks' }).end(),
  '/large': (response) => response.writeHead(200).end(JSON.stringify({ keys: [{ kty: 'oct', pad: 'x'.repeat(70 * 1024) }] })),
  '/private': (response) => response.writeHead(200).end(JSON.stringify({ keys: [{ ...JWKS.keys[0], d: 'secret' }] })),
  '/missing': (response) => response.writeHead(404).end(),
  '/client-keys': (response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(clientKeys)),
};
/** What the relying party currently publishes at /client-keys; a test rotates it. */
let clientKeys: { keys: object[] } = { keys: [] };
let requests = 0;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=jwks.test', '-addext', 'subjectAltName=DNS:jwks.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (request, response) => {
      requests++;
      (routes[request.url ?? ''] ?? routes['/missing']!)(response);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  hung = await startHungServer();
});
after(async () => {
  await hung.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const time = { now: Date.parse('2040-01-01T00:00:00Z') };
/** jwks.test resolves to the loopback test server unless a test says otherwise. */
function fetcher(options: { allowLoopback?: boolean; answers?: string[] } = {}): RemoteJwks {
  const answers = options.answers ?? ['127.0.0.1'];
  return new RemoteJwks({
    clock: () => time.now,
    cacheTtlS: 300,
    allowLoopback: options.allowLoopback ?? true,
    ca,
    resolve: async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  });
}

async function refused(promise: Promise<unknown>, reason: RemoteJwksFailure): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof RemoteJwksError && error.reason === reason);
}

describe('jwks_uri fetcher', () => {
  it('fetches over https from the address it checked, verifying the certificate for the host name, and caches', async () => {
    const remote = fetcher();
    const before = requests;
    assert.deepEqual(await remote.keys(`https://jwks.test:${port}/jwks`), JWKS);
    assert.deepEqual(await remote.keys(`https://jwks.test:${port}/jwks`), JWKS);
    assert.equal(requests - before, 1, 'the second read is cached');
    // The certificate names jwks.test: the same server reached under another name fails TLS.
    const other = new RemoteJwks({ clock: () => time.now, cacheTtlS: 300, allowLoopback: true, ca, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    await refused(other.fetch(`https://other.test:${port}/jwks`), 'network');
  });

  it('refuses every private, loopback, link-local, unique-local, multicast, CGNAT and IPv4-mapped address after resolution', async () => {
    for (const address of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '224.0.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      const before = requests;
      await refused(fetcher({ allowLoopback: false, answers: [address] }).fetch(`https://jwks.test:${port}/jwks`), 'blocked_address');
      assert.equal(requests, before, `${address}: no connection made`);
    }
    assert.equal(isPublicAddress('93.184.216.34'), true);
    assert.equal(isPublicAddress('2606:4700::1111'), true);
  });

  it('refuses a host whose answers mix a public and a private address (DNS rebinding)', async () => {
    await refused(fetcher({ allowLoopback: false, answers: ['93.184.216.34', '10.0.0.5'] }).fetch(`https://jwks.test:${port}/jwks`), 'blocked_address');
  });

  it('refuses a literal private IP in the URL', async () => {
    await refused(fetcher({ allowLoopback: false }).fetch(`https://127.0.0.1:${port}/jwks`), 'blocked_address');
    await refused(fetcher({ allowLoopback: false }).fetch(`https://[::1]:${port}/jwks`), 'blocked_address');
  });

  it('refuses http, and http to loopback unless loopback is explicitly allowed', async () => {
    await refused(fetcher({ allowLoopback: false, answers: ['93.184.216.34'] }).fetch('http://jwks.example/jwks'), 'not_https');
    await refused(fetcher({ allowLoopback: true, answers: ['93.184.216.34'] }).fetch('http://jwks.example/jwks'), 'not_https');
  });

  it('refuses a redirect instead of following it', async () => {
    await refused(fetcher().fetch(`https://jwks.test:${port}/redirect`), 'redirect');
  });

  it('refuses a document over 64 KB', async () => {
    await refused(fetcher().fetch(`https://jwks.test:${port}/large`), 'too_large');
  });

  it('refuses a key set with private key members, and a non-200 answer', async () => {
    await refused(fetcher().fetch(`https://jwks.test:${port}/private`), 'invalid_document');
    await refused(fetcher().fetch(`https://jwks.test:${port}/nothing`), 'status');
  });

  it('gives up on a server that never answers', async () => {
    const hungPort = new URL(hung.url).port;
    await refused(fetcher().fetch(`http://127.0.0.1:${hungPort}/jwks`), 'timeout');
  });

  it('refuses a host that does not resolve', async () => {
    const remote = new RemoteJwks({ clock: () => time.now, cacheTtlS: 300, resolve: async () => Promise.reject(new Error('ENOTFOUND')) });
    await refused(remote.fetch('https://nowhere.invalid/jwks'), 'dns');
  });

  it('the loopback setting is refused in AWS', () => {
    const env = { ISSUER: 'https://id.example.com', KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k', MAIL_MODE: 'ses', AWS_LAMBDA_FUNCTION_NAME: 'f' };
    assert.throws(() => loadConfig({ ...env, REMOTE_JWKS_ALLOW_LOOPBACK: 'true' }), /REMOTE_JWKS_ALLOW_LOOPBACK=true is for the local stack/);
    assert.equal(loadConfig(env).clientRegistration.jwksAllowLoopback, false);
  });
});

describe('private_key_jwt with a jwks_uri', () => {
  const ISSUER = 'https://id.example.test';
  const client: OAuthClient = {
    clientId: 'rp-uri',
    type: 'confidential',
    redirectUris: [],
    postLogoutRedirectUris: [],
    allowedScopes: ['openid'],
    grantTypes: ['authorization_code'],
    createdAt: '',
    privateKeyJwt: { jwksUri: '' },
  };
  const rsaKey = (kid: string) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
  };
  const assertion = (key: KeyObject, kid: string, aud: string) => {
    const nowS = Math.floor(time.now / 1000);
    return new SignJWT({ iss: client.clientId, sub: client.clientId, aud, jti: randomUUID(), exp: nowS + 60 }).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
  };

  it('authenticates with the fetched keys (aud the issuer or the token endpoint), and follows the client rotating its keys', async () => {
    const verifier = new ClientAssertionVerifier({ issuer: ISSUER, store: new InMemoryTtlStore(() => time.now), remoteKeys: fetcher(), clock: () => time.now });
    const withUri = { ...client, privateKeyJwt: { jwksUri: `https://jwks.test:${port}/client-keys` } };
    const first = rsaKey('k-1');
    clientKeys = { keys: [first.jwk] };
    assert.equal(await verifier.verify(withUri, await assertion(first.privateKey, 'k-1', ISSUER)), true, 'aud = issuer');
    assert.equal(await verifier.verify(withUri, await assertion(first.privateKey, 'k-1', `${ISSUER}/token`)), true, 'aud = token endpoint');
    assert.equal(await verifier.verify(withUri, await assertion(first.privateKey, 'k-1', 'https://other.example')), false);

    // The relying party rotates: the cached document lacks k-2, so it is fetched again (once the
    // refresh interval since the last fetch has passed).
    const second = rsaKey('k-2');
    clientKeys = { keys: [second.jwk] };
    time.now += 61_000;
    assert.equal(await verifier.verify(withUri, await assertion(second.privateKey, 'k-2', ISSUER)), true);
    assert.equal(await verifier.verify(withUri, await assertion(first.privateKey, 'k-1', ISSUER)), false, 'the retired key no longer verifies');
  });

  it('a jwks_uri that may not be fetched authenticates nobody', async () => {
    const verifier = new ClientAssertionVerifier({ issuer: ISSUER, store: new InMemoryTtlStore(() => time.now), remoteKeys: fetcher({ allowLoopback: false }), clock: () => time.now });
    const key = rsaKey('k-3');
    clientKeys = { keys: [key.jwk] };
    assert.equal(await verifier.verify({ ...client, privateKeyJwt: { jwksUri: `https://jwks.test:${port}/client-keys` } }, await assertion(key.privateKey, 'k-3', ISSUER)), false);
  });
});
