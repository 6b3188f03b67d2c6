/**
 * Operator CLI for OAuth clients.
 *
 *   clients add --id <id> --redirect-uri <uri> [--redirect-uri <uri> ...] [--public | --secret <s> | --generate-secret]
 *               [--post-logout-redirect-uri <uri> ...] [--grant <type> ...] [--scope <scope> ...] [--name <text>]
 *               [--first-party] [--id-token-alg ES256|RS256] [--replace]
 *   clients list
 *   clients remove <id>
 *   clients rotate-secret <id> [--overlap <duration>]
 *   clients token [--ttl <duration>]
 *
 * A client without `--secret` or `--generate-secret` is public (PKCE required). A `--secret`
 * must be at least 32 random characters (`openssl rand -base64 32`); `--generate-secret` makes
 * one from 32 random bytes and prints it once, the only time it can be seen. `--grant` replaces
 * the default grants (authorization_code, refresh_token); repeat it for several. Configuration
 * comes from the environment (`npm run clients` fills in the local stack). Secrets are stored
 * hashed (lib/oidc/client-secret.ts); a secret given with `--secret` is never printed.
 * `--name` is what the consent page calls the client; `--first-party` marks the operator's own
 * application, whose users are never asked for consent (only operators can set it).
 * `--require-mfa`: every user of the client needs a second factor; one without is taken through
 * TOTP enrolment before the client gets a code.
 * `--id-token-alg` picks the ID tokens' algorithm (ES256 by default: smaller and cheaper).
 * `rotate-secret` gives a confidential client a new secret, printed once; the old one keeps
 * working for `--overlap` (default 1d; `0` ends it at once), so the client can be redeployed
 * without an outage. `token` issues an initial access token for dynamic client registration
 * (REGISTRATION_MODE=token), valid for `--ttl` (default 1d), printed once and stored hashed.
 * Durations: `90` (seconds), `30s`, `15m`, `12h`, `7d`.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { systemClock } from '../lib/clock.js';
import { loadConfigSections, type SectionsConfig } from '../lib/config.js';
import { InvalidClientMetadataError, SUPPORTED_GRANT_TYPES, type GrantType, type OAuthClient } from '../lib/oidc/client-metadata.js';
import { InitialAccessTokens } from '../lib/oidc/client-registration-tokens.js';
import { ClientExistsError, type ClientStore } from '../lib/oidc/client-store.js';
import { isSigningAlg, SIGNING_ALGORITHMS } from '../lib/signing/signing-key-policy.js';
import { ClientRegistry } from '../lib/store/client-registry.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { audit, type AuditParty } from '../lib/observability/audit.js';
import { operatorActor } from './operator.js';
import { assertNoOptionsTakenByNpm, describeCliError, usageOf, UsageError } from './cli-errors.js';
import { parseDurationS } from './duration.js';
import { runIfMain } from './run-as-main.js';

const COMMANDS: Record<string, string> = {
  add: `clients add --id <id> --redirect-uri <uri> [--redirect-uri <uri> ...] [--public | --secret <s> | --generate-secret]
              [--post-logout-redirect-uri <uri> ...] [--grant ${SUPPORTED_GRANT_TYPES.join('|')} ...] [--scope <scope> ...] [--name <text>] [--first-party] [--require-mfa]
              [--id-token-alg ${SIGNING_ALGORITHMS.join('|')}] [--replace]
  --secret must be at least 32 random characters (e.g. \`openssl rand -base64 32\`); --generate-secret makes one and prints it once.`,
  list: 'clients list',
  remove: 'clients remove <id>',
  'rotate-secret': `clients rotate-secret <id> [--overlap <duration>]
  the old secret keeps working for --overlap (default 1d, 0 = not at all); durations: 90, 30s, 15m, 12h, 7d`,
  token: `clients token [--ttl <duration>]
  an initial access token for POST /connect/register (REGISTRATION_MODE=token), valid for --ttl (default 1d)`,
};
const OPTIONS = {
  id: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  public: { type: 'boolean' },
  secret: { type: 'string' },
  'generate-secret': { type: 'boolean' },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  name: { type: 'string' },
  'first-party': { type: 'boolean' },
  'require-mfa': { type: 'boolean' },
  'id-token-alg': { type: 'string' },
  replace: { type: 'boolean' },
  overlap: { type: 'string' },
  ttl: { type: 'string' },
} as const;

const DEFAULT_OVERLAP_S = 86_400;
const DEFAULT_INITIAL_TOKEN_TTL_S = 86_400;
/** Neither a secret overlap nor an initial access token should outlive a month. */
const MAX_DURATION_S = 30 * 86_400;

/** 32 random bytes, base64url: 43 characters, 256 bits. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export { UsageError } from './cli-errors.js';
/** A usage error of `command` (the whole usage text when it is not a command). */
const usageError = (message: string, command: string | undefined) => new UsageError(message, usageOf(COMMANDS, command));

export interface ClientsCliDeps {
  registry: Pick<ClientStore, 'register' | 'list' | 'remove' | 'rotateSecret'>;
  /** Built only for `token` (it needs the TTL table, the other commands do not). */
  initialAccessTokens?: () => Pick<InitialAccessTokens, 'issue'>;
  print: (line: string) => void;
  /** Named in the audit events (JSON lines on stdout) of `add` and `remove`; the OS user by default. */
  actor?: AuditParty;
}

export async function runClientsCli(argv: readonly string[], deps: ClientsCliDeps): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), argv[0]);
  }
  const [command, ...rest] = parsed.positionals;
  const values = parsed.values;

  switch (command) {
    case 'add': {
      if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, command);
      if (!values.id) throw usageError('add needs --id', command);
      const secretOptions = [
        ...(values.public ? ['--public'] : []),
        ...(values.secret !== undefined ? ['--secret'] : []),
        ...(values['generate-secret'] ? ['--generate-secret'] : []),
      ];
      if (secretOptions.length > 1) throw usageError(`give only one of --public, --secret and --generate-secret, not ${secretOptions.join(' and ')}`, command);
      const generated = values['generate-secret'] === true ? generateClientSecret() : undefined;
      const secret = generated ?? values.secret;
      const grants = values.grant;
      for (const grant of grants ?? []) {
        if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grant)) throw usageError(`unknown grant "${grant}"`, command);
      }
      const idTokenAlg = values['id-token-alg'];
      if (idTokenAlg !== undefined && !isSigningAlg(idTokenAlg)) throw usageError(`unknown ID token algorithm "${idTokenAlg}"`, command);
      try {
        const client = await deps.registry.register(
          {
            clientId: values.id,
            ...(secret !== undefined ? { secret } : {}),
            redirectUris: values['redirect-uri'] ?? [],
            postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
            ...(grants !== undefined ? { grantTypes: grants as GrantType[] } : {}),
            ...(values.scope !== undefined ? { allowedScopes: values.scope } : {}),
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(values['first-party'] === true ? { firstParty: true } : {}),
            ...(values['require-mfa'] === true ? { requireMfa: true } : {}),
            ...(idTokenAlg !== undefined ? { idTokenSignedResponseAlg: idTokenAlg } : {}),
          },
          { replace: values.replace === true },
        );
        deps.print(`added ${describe(client)}`);
        audit({ event: 'client.added', actor: deps.actor ?? operatorActor(), subject: { type: 'client', id: client.clientId }, detail: { type: client.type, firstParty: client.firstParty === true, replace: values.replace === true } });
        if (generated !== undefined) {
          deps.print(`client secret: ${generated}`);
          deps.print('  store it now: it is kept only hashed and cannot be shown again (to rotate it, repeat this add with --generate-secret --replace)');
        }
      } catch (error) {
        if (error instanceof InvalidClientMetadataError) throw usageError(error.message, command);
        if (error instanceof ClientExistsError) throw usageError(`${error.message} (use --replace to overwrite it)`, command);
        throw error;
      }
      return;
    }
    case 'list': {
      const clients = await deps.registry.list();
      if (clients.length === 0) deps.print('(no clients)');
      for (const client of clients) deps.print(describe(client));
      return;
    }
    case 'remove': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw usageError('remove needs exactly one client id', command);
      if (!(await deps.registry.remove(id))) throw usageError(`no client ${id}`, command);
      deps.print(`removed ${id}`);
      audit({ event: 'client.removed', actor: deps.actor ?? operatorActor(), subject: { type: 'client', id } });
      return;
    }
    case 'rotate-secret': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) throw usageError('rotate-secret needs exactly one client id', command);
      const overlapS = durationOption(values.overlap, '--overlap', DEFAULT_OVERLAP_S, command);
      const secret = generateClientSecret();
      const client = await deps.registry.rotateSecret(id, secret, overlapS);
      if (client === undefined) throw usageError(`no client ${id} with a secret (or its secret changed meanwhile: run the command again)`, command);
      deps.print(`client secret: ${secret}`);
      deps.print('  store it now: it is kept only hashed and cannot be shown again');
      deps.print(client.previousSecret !== undefined ? `  the previous secret works until ${client.previousSecret.expiresAt}` : '  the previous secret no longer works');
      audit({ event: 'client.secret-rotated', actor: deps.actor ?? operatorActor(), subject: { type: 'client', id }, detail: { overlapS } });
      return;
    }
    case 'token': {
      if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, command);
      const ttlS = durationOption(values.ttl, '--ttl', DEFAULT_INITIAL_TOKEN_TTL_S, command);
      if (ttlS === 0) throw usageError('--ttl must be longer than 0', command);
      if (deps.initialAccessTokens === undefined) throw new Error('initial access tokens need the TTL table');
      const { token, expiresAt } = await deps.initialAccessTokens().issue(ttlS);
      deps.print(`initial access token: ${token}`);
      deps.print(`  valid until ${expiresAt.toISOString()} for any number of registrations; store it now: it is kept only hashed`);
      audit({ event: 'client.initial-access-token-issued', actor: deps.actor ?? operatorActor(), subject: { type: 'system', id: 'client-registration' }, detail: { ttlS } });
      return;
    }
    default:
      throw usageError(command === undefined ? 'missing command' : `unknown command "${command}"`, undefined);
  }
}

function durationOption(text: string | undefined, name: string, fallback: number, command: string): number {
  if (text === undefined) return fallback;
  const seconds = parseDurationS(text);
  if (seconds === undefined || seconds > MAX_DURATION_S) throw usageError(`${name} must be a duration of at most 30d (90, 30s, 15m, 12h, 7d), got "${text}"`, command);
  return seconds;
}

function describe(client: OAuthClient): string {
  return [
    `${client.clientId} (${client.type}${client.firstParty ? ', first-party' : ''}${client.requireMfa ? ', requires MFA' : ''})${client.name !== undefined ? ` "${client.name}"` : ''}`,
    `  grants: ${client.grantTypes.join(', ')}`,
    `  scopes: ${client.allowedScopes.join(' ')}`,
    `  redirect URIs: ${client.redirectUris.join(' ') || '-'}`,
    `  post-logout redirect URIs: ${client.postLogoutRedirectUris.join(' ') || '-'}`,
    `  ID tokens: ${client.idTokenSignedResponseAlg ?? 'ES256'}${client.dynamic !== undefined ? ' (registered dynamically)' : ''}`,
  ].join('\n');
}

export function registryFor(config: SectionsConfig<'aws' | 'directoryTable'>, client = documentClientFor(config)): ClientRegistry {
  return new ClientRegistry({ client, tableName: config.tables.directory, clock: systemClock });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  assertNoOptionsTakenByNpm('clients', argv, Object.keys(OPTIONS), usageOf(COMMANDS, argv[0]));
  // Only the directory table (and the TTL table for `token`): no issuer or KMS key to fake.
  const config = loadConfigSections(['aws', 'directoryTable']);
  const initialAccessTokens = () => {
    const { tables } = loadConfigSections(['cacheTable']);
    return new InitialAccessTokens(new TtlCache({ client: documentClientFor(config), tableName: tables.cache, clock: systemClock }), systemClock);
  };
  await runClientsCli(argv, { registry: registryFor(config), initialAccessTokens, print: (line) => console.log(line) });
}

runIfMain(import.meta.url, main, { exitCodeFor: (error) => (error instanceof UsageError ? 2 : 1), describe: describeCliError });
