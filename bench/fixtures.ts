/**
 * The stable way for benchmarks and outside harnesses (../shared/peer-bench) to set up state:
 * register clients, create users, mint authorization codes and refresh tokens, and create the
 * first keys. Its API is the contract; what it calls inside (grant store, adapters, runtime
 * builders) may move, and only this file follows.
 *
 * Everything goes through the project's own code paths: codes and refresh tokens are minted by
 * the grant store exactly as /authorize and /token mint them, so a benchmark exchanges tokens
 * the server cannot tell from real ones.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Config } from '../lib/config.js';
import type { KeyWrapper } from '../lib/kms/key-wrapper.js';
import type { GrantType } from '../lib/oidc/client-metadata.js';
import { GrantStore } from '../lib/oidc/grant-store.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { rotateApplicationRings } from '../lib/runtime/key-rotation.js';
import { kmsKeyWrapperFor } from '../lib/runtime/kms-client.js';
import { ClientRegistry } from '../lib/store/client-registry.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { UserDirectory } from '../lib/store/user-directory.js';

export interface FixtureClient {
  clientId: string;
  /** Omit for a public client (PKCE only). */
  secret?: string;
  redirectUris: string[];
  grantTypes?: GrantType[];
  allowedScopes?: string[];
  /** The operator's own client: /authorize issues its codes without a consent page. */
  firstParty?: boolean;
}

export interface FixtureUser {
  id: string;
  email: string;
}

export interface MintedCode {
  code: string;
  /** The PKCE verifier to send with the exchange (S256 challenge stored with the code). */
  codeVerifier: string;
}

export interface MintRequest {
  clientId: string;
  subject: string;
  scopes: string[];
}

export interface BenchFixtures {
  /** Creates each ring's first key (or due successors), as `npm start` and the schedule do. */
  ensureKeys(): Promise<void>;
  /** Registers (or replaces) a client. */
  registerClient(client: FixtureClient): Promise<void>;
  /**
   * A verified user; with `passwordHash` (from bench/password-fixture.ts, kept apart so that
   * harnesses that bundle this file need no native module), one that can sign in.
   */
  createUser(input?: { email?: string; name?: string; passwordHash?: string }): Promise<FixtureUser>;
  /** A live authorization code for `redirectUri`, valid `ttlS` seconds (default: the server's code lifetime). */
  mintAuthorizationCode(request: MintRequest & { redirectUri: string; nonce?: string; ttlS?: number }): Promise<MintedCode>;
  /** A live refresh token of a new family (scopes should include offline_access). */
  mintRefreshToken(request: MintRequest): Promise<string>;
}

export interface BenchFixtureOptions {
  clock?: Clock;
  /** A harness that counts the server's calls can pass clients it marks as setup traffic. */
  documentClient?: DynamoDBDocumentClient;
  keyWrapper?: KeyWrapper;
}

export function createBenchFixtures(config: Config, options: BenchFixtureOptions = {}): BenchFixtures {
  const clock = options.clock ?? systemClock;
  const client = options.documentClient ?? documentClientFor(config);
  const cache = new TtlCache({ client, tableName: config.tables.cache, clock });
  const grants = new GrantStore({ cache, clock, refreshReuseGraceS: config.tokens.refreshReuseGraceS });
  const users = new UserDirectory({ client, tableName: config.tables.directory, clock });
  const clients = new ClientRegistry({ client, tableName: config.tables.directory, clock });
  const nowS = () => Math.floor(clock() / 1000);

  async function mintCode(request: MintRequest & { redirectUri: string; nonce?: string; ttlS?: number }): Promise<MintedCode> {
    const codeVerifier = randomBytes(32).toString('base64url');
    const code = await grants.issueCode(
      {
        clientId: request.clientId,
        subject: request.subject,
        scopes: request.scopes,
        authTimeS: nowS(),
        amr: ['pwd'],
        redirectUri: request.redirectUri,
        ...(request.nonce !== undefined && { nonce: request.nonce }),
        codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        codeChallengeMethod: 'S256',
      },
      request.ttlS ?? config.tokens.authorizationCodeTtlS,
    );
    return { code, codeVerifier };
  }

  return {
    async ensureKeys() {
      const repository = new DynamoDbKeyRingRepository({ client, tableName: config.tables.keys });
      await rotateApplicationRings({ config, repository, keyWrapper: options.keyWrapper ?? kmsKeyWrapperFor(config), clock });
    },

    async registerClient(input) {
      await clients.register(input, { replace: true });
    },

    async createUser(input = {}) {
      const email = input.email ?? `bench-${randomUUID()}@example.test`;
      const { passwordHash } = input;
      const user = await users.create({ email, name: input.name ?? 'Bench User', emailVerified: true, ...(passwordHash !== undefined && { passwordHash }) });
      return { id: user.id, email: user.email };
    },

    mintAuthorizationCode: mintCode,

    async mintRefreshToken(request) {
      // The way /token makes a family: a code, redeemed with a refresh token in the same transaction.
      const redirectUri = 'https://bench.invalid/callback';
      const { code } = await mintCode({ ...request, redirectUri });
      const issued = await grants.findCode(code);
      if (issued === undefined) throw new Error('fixtures: the code just minted is gone');
      const familyExpiresAtS = nowS() + config.tokens.refreshTokenTtlS;
      const redeemed = await grants.redeemCode(issued, {
        grantTtlS: config.tokens.refreshTokenTtlS + config.tokens.accessTokenTtlS,
        familyExpiresAtS,
      });
      if (redeemed.outcome !== 'redeemed' || redeemed.refreshToken === undefined) throw new Error(`fixtures: code not redeemed (${redeemed.outcome})`);
      return redeemed.refreshToken;
    },
  };
}
