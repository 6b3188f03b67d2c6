/**
 * Fetching a client's `jwks_uri` (a URL a registrant chose, so a server-side request forgery
 * vector): https only; the host is resolved here and every address it resolves to must be
 * public (no private, loopback, link-local, unique-local, multicast, CGNAT, documentation,
 * reserved or IPv4-mapped ones), and the connection goes to the address that was checked (the
 * socket's `lookup` answers with it), so a second DNS answer cannot swap in an internal host
 * between check and connect; TLS still verifies the certificate for the host name. At most
 * MAX_BYTES, TIMEOUT_MS in all, no redirect followed. Documents are cached per instance for
 * `cacheTtlS`; a refresh for a key the cached copy lacks happens at most once per
 * REFRESH_MIN_INTERVAL_MS per URI, so forged `kid`s cannot turn into a flood of fetches.
 *
 * `allowLoopback` (REMOTE_JWKS_ALLOW_LOOPBACK, refused in AWS by lib/config.ts) lets the local
 * stack and the tests fetch from a server on 127.0.0.1 / ::1, over http too.
 */
import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Clock } from '../clock.js';
import { IdentityServerError } from '../errors.js';
import type { RemoteKeySource } from './client-assertion.js';
import type { ClientJwks } from './client-metadata.js';

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 3000;
const REFRESH_MIN_INTERVAL_MS = 60_000;
const MAX_ENTRIES = 500;

export type RemoteJwksFailure = 'not_https' | 'blocked_address' | 'dns' | 'timeout' | 'too_large' | 'redirect' | 'status' | 'invalid_document' | 'network';

export class RemoteJwksError extends IdentityServerError {
  readonly code = 'remote_jwks_failed';

  constructor(readonly reason: RemoteJwksFailure) {
    super(`jwks_uri fetch refused or failed: ${reason}`);
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface RemoteJwksOptions {
  clock: Clock;
  cacheTtlS: number;
  /** Local stack and tests only: loopback addresses (and http to them) are allowed. */
  allowLoopback?: boolean;
  /** DNS resolution; the system resolver by default (tests inject answers). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Extra trusted CA certificates (tests with a self-signed server). */
  ca?: string;
}

interface Entry {
  jwks: Promise<ClientJwks>;
  fetchedAtMs: number;
}

const BLOCKED = blockList([
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'], ['192.88.99.0', 24, 'ipv4'], ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['64:ff9b::', 96, 'ipv6'], ['100::', 64, 'ipv6'], ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'], ['2002::', 16, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
]);
const LOOPBACK = blockList([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]);

function blockList(ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, type] of ranges) list.addSubnet(network, prefix, type);
  return list;
}

/** Whether a resolved address may be fetched from. */
export function isPublicAddress(address: string, options: { allowLoopback?: boolean } = {}): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (options.allowLoopback === true && LOOPBACK.check(address, type)) return true;
  // IPv4-mapped (::ffff:0:0/96) is refused whole; not through the BlockList, which also
  // matches plain IPv4 addresses against that range.
  if (family === 6 && new URL(`http://[${address}]`).hostname.startsWith('[::ffff:')) return false;
  return !BLOCKED.check(address, type);
}

export class RemoteJwks implements RemoteKeySource {
  private readonly entries = new Map<string, Entry>();
  private readonly resolve: (hostname: string) => Promise<ResolvedAddress[]>;

  constructor(private readonly options: RemoteJwksOptions) {
    this.resolve = options.resolve ?? systemResolve;
  }

  keys(uri: string, options: { refresh?: boolean } = {}): Promise<ClientJwks> {
    const now = this.options.clock();
    const cached = this.entries.get(uri);
    if (cached !== undefined) {
      const fresh = now - cached.fetchedAtMs < this.options.cacheTtlS * 1000;
      const refreshAllowed = now - cached.fetchedAtMs >= REFRESH_MIN_INTERVAL_MS;
      if (fresh && !(options.refresh === true && refreshAllowed)) return cached.jwks;
    }
    const entry: Entry = { jwks: this.fetch(uri), fetchedAtMs: now };
    this.entries.delete(uri);
    this.entries.set(uri, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    // A failure is not cached: the next authentication tries again.
    entry.jwks.catch(() => {
      if (this.entries.get(uri) === entry) this.entries.delete(uri);
    });
    return entry.jwks;
  }

  /** One fetch of `uri` under every rule above. */
  async fetch(uri: string): Promise<ClientJwks> {
    const url = parseUrl(uri);
    const loopbackHttp = url.protocol === 'http:' && this.options.allowLoopback === true;
    if (url.protocol !== 'https:' && !loopbackHttp) throw new RemoteJwksError('not_https');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: ResolvedAddress[];
    try {
      addresses = isIP(hostname) !== 0 ? [{ address: hostname, family: isIP(hostname) as 4 | 6 }] : await this.resolve(hostname);
    } catch {
      throw new RemoteJwksError('dns');
    }
    if (addresses.length === 0) throw new RemoteJwksError('dns');
    // Every answer must be allowed: a mixed answer is how DNS rebinding picks the internal one.
    if (!addresses.every(({ address }) => isPublicAddress(address, this.options))) throw new RemoteJwksError('blocked_address');
    if (loopbackHttp && !addresses.every(({ address }) => LOOPBACK.check(address, address.includes(':') ? 'ipv6' : 'ipv4'))) throw new RemoteJwksError('not_https');
    const body = await this.get(url, hostname, addresses[0]!);
    return parseJwks(body);
  }

  private get(url: URL, hostname: string, target: ResolvedAddress): Promise<string> {
    const pinned: LookupFunction = (_host, options, callback) => {
      if (typeof options === 'object' && options.all === true) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [target]);
      else callback(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<string>((resolve, reject) => {
      const fail = (reason: RemoteJwksFailure) => {
        request.destroy();
        reject(new RemoteJwksError(reason));
      };
      const timer = setTimeout(() => fail('timeout'), TIMEOUT_MS);
      const request = client.request(
        {
          protocol: url.protocol,
          hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { accept: 'application/json, application/jwk-set+json' },
          lookup: pinned,
          agent: false,
          ...(url.protocol === 'https:' ? { servername: isIP(hostname) === 0 ? hostname : undefined, ...(this.options.ca !== undefined && { ca: this.options.ca }) } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) return fail('redirect');
          if (status !== 200) return fail('status');
          if (Number(response.headers['content-length'] ?? 0) > MAX_BYTES) return fail('too_large');
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BYTES) return fail('too_large');
            chunks.push(chunk);
          });
          response.on('end', () => {
            clearTimeout(timer);
            if (size <= MAX_BYTES) resolve(Buffer.concat(chunks).toString('utf8'));
          });
          response.on('error', () => fail('network'));
        },
      );
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error instanceof RemoteJwksError ? error : new RemoteJwksError('network'));
      });
      request.on('close', () => clearTimeout(timer));
      request.end();
    });
  }
}

/** An absolute URL without credentials (registration refuses others; this is the last line). */
function parseUrl(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new RemoteJwksError('not_https');
  }
  if (url.username !== '' || url.password !== '') throw new RemoteJwksError('not_https');
  return url;
}

/** A JWK Set of public keys only (a key with private members is refused: the client leaked it). */
function parseJwks(body: string): ClientJwks {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new RemoteJwksError('invalid_document');
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new RemoteJwksError('invalid_document');
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string' || 'd' in key) throw new RemoteJwksError('invalid_document');
  }
  return { keys } as ClientJwks;
}

async function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
