/**
 * Operator CLI for user accounts.
 *
 *   users list [--prefix <email-prefix>] [--limit N]
 *   users show <email|id>
 *   users disable <email|id>
 *   users enable <email|id>
 *   users unlock <email|id>
 *   users sign-out <email|id>
 *   users delete <email|id>
 *   users reset-mfa <email|id>
 *
 * `disable` stops every sign-in and every token of the account at once: its sessions end, its
 * grants (refresh-token families and their access tokens) are revoked, and sign-in, refresh,
 * userinfo and introspection refuse it while it stays disabled. `enable` lets it sign in again
 * (nothing ended comes back). `unlock` clears the account's failed-guess budgets (its owner can
 * try again from anywhere at once). `sign-out` ends every session and revokes every grant.
 * `delete` removes the account the way its owner's "delete account" does
 * (lib/auth/account-deletion.ts); the address can register again. `list` scans the directory
 * table: for an operator's terminal, not a script run every minute. `reset-mfa` removes the
 * account's TOTP, recovery codes and passkeys, after an out-of-band check that the caller is the
 * owner (the command cannot make that check), and mails the owner that it happened.
 *
 * Configuration comes from the environment (`npm run users` fills in the local stack; with AWS
 * credentials and the stage's table names it runs against a deployed stage). Every change is
 * an audit event naming the operator.
 *
 * Each command is one entry of COMMANDS (its usage and what it runs), so a new one is one entry.
 */
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../lib/clock.js';
import { loadConfigSections } from '../lib/config.js';
import type { User } from '../lib/auth/user-store.js';
import { isDisabled } from '../lib/auth/user-status.js';
import type { Mailer } from '../lib/auth/mailer.js';
import { removeSecondFactors } from '../lib/auth/second-factors.js';
import { secondFactorChangeMail } from '../lib/auth/totp-notices.js';
import { audit, type AuditEventType, type AuditParty } from '../lib/observability/audit.js';
import { maskEmail } from '../lib/observability/mask-email.js';
import { createAccountServices, type AccountServices } from '../lib/runtime/account-services.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { mailerFor } from '../lib/runtime/mailer.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { assertNoOptionsTakenByNpm, describeCliError, usageOf, UsageError } from './cli-errors.js';
import { operatorActor } from './operator.js';
import { runIfMain } from './run-as-main.js';

export interface UsersCliDeps {
  services: AccountServices;
  /** Tells a user their second factors were reset (SES, or the local outbox). */
  mailer: Mailer;
  print: (line: string) => void;
  clock: Clock;
  /** Named in the audit events of the commands that change something; the OS user by default. */
  actor?: AuditParty;
}

interface CommandRun {
  /** Positional arguments after the command's name. */
  args: readonly string[];
  options: { prefix?: string; limit?: string };
  deps: UsersCliDeps;
  /** A usage error of this command. */
  usage: (message: string) => UsageError;
}

interface Command {
  usage: string;
  run(run: CommandRun): Promise<void>;
}

const DEFAULT_LIST_LIMIT = 50;

const COMMANDS: Record<string, Command> = {
  list: {
    usage: `users list [--prefix <email-prefix>] [--limit N]   (at most N users, ${DEFAULT_LIST_LIMIT} unless given, sorted by address)`,
    async run({ args, options, deps, usage }) {
      if (args.length > 0) throw usage(`unexpected argument "${args[0]}"`);
      const limit = options.limit === undefined ? DEFAULT_LIST_LIMIT : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usage(`--limit must be a whole number of at least 1, got "${options.limit}"`);
      const users = await deps.services.listing.list({ ...(options.prefix !== undefined ? { emailPrefix: options.prefix } : {}), limit });
      if (users.length === 0) deps.print('(no users)');
      for (const user of users) deps.print(`${user.email}  ${user.id}  ${statusOf(user)}  created ${user.createdAt}`);
    },
  },
  show: {
    usage: 'users show <email|id>',
    async run(run) {
      const user = await userOf(run);
      const { services, print } = run.deps;
      const [sessions, families, consents, locks] = await Promise.all([
        services.sessions.list(user.id),
        services.grants.familiesOf(user.id),
        services.consents.listFor(user.id),
        services.locks.stateOf(user.email),
      ]);
      print(`${user.email} (${user.id})`);
      print(`  status: ${statusOf(user)}`);
      print(`  created: ${user.createdAt}`);
      const lastSignIn = Math.max(...sessions.map((session) => session.startedAtMs));
      print(`  last sign-in: ${sessions.length > 0 ? new Date(lastSignIn).toISOString() : 'none among the live sessions'}`);
      print(`  sessions: ${sessions.length}`);
      for (const session of sessions) {
        print(`    ${session.browser} on ${session.os}: signed in ${new Date(session.startedAtMs).toISOString()}, last used ${isoOf(session.lastUsedAtS)}`);
      }
      const clientIds = [...new Set([...families.map((grant) => grant.clientId), ...consents.map((consent) => consent.clientId)])].sort();
      print(`  apps: ${clientIds.length}`);
      for (const clientId of clientIds) {
        const family = families.find((grant) => grant.clientId === clientId);
        const consent = consents.find((c) => c.clientId === clientId);
        const parts = [
          ...(family?.familyExpiresAtS !== undefined ? [`offline access until ${isoOf(family.familyExpiresAtS)}`] : []),
          ...(consent !== undefined ? [`consent to ${consent.scopes.join(' ') || '(no scopes)'}`] : []),
        ];
        print(`    ${clientId}: ${parts.join('; ')}`);
      }
      print(`  lock: ${locks.length === 0 ? 'none' : locks.map((lock) => `${lock.kind} ${lock.failures}/${lock.max} failures${lock.locked ? `, locked until ${isoOf(lock.untilS)}` : ''}`).join('; ')}`);
    },
  },
  disable: {
    usage: 'users disable <email|id>   (ends its sessions and revokes its grants at once)',
    async run(run) {
      const user = await userOf(run);
      const change = await run.deps.services.status.disable(user.id);
      if (!change.found) throw run.usage(`no user ${user.id}`);
      run.deps.print(`disabled ${user.email}: every session ended, ${change.revokedGrants} grant(s) revoked`);
      auditUser(run.deps, 'user.disabled', user, { revokedGrants: change.revokedGrants });
    },
  },
  enable: {
    usage: 'users enable <email|id>',
    async run(run) {
      const user = await userOf(run);
      if (!(await run.deps.services.status.enable(user.id)).found) throw run.usage(`no user ${user.id}`);
      run.deps.print(`enabled ${user.email}`);
      auditUser(run.deps, 'user.enabled', user);
    },
  },
  unlock: {
    usage: 'users unlock <email|id>   (clears the failed sign-in budgets of the account)',
    async run(run) {
      const user = await userOf(run);
      await run.deps.services.locks.unlock(user.email);
      run.deps.print(`unlocked ${user.email}`);
      auditUser(run.deps, 'user.unlocked', user);
    },
  },
  'sign-out': {
    usage: 'users sign-out <email|id>   (every session and every refresh-token family)',
    async run(run) {
      const user = await userOf(run);
      const { revokedGrants } = await run.deps.services.signOut.everywhere(user.id);
      run.deps.print(`signed out ${user.email} everywhere: every session ended, ${revokedGrants} grant(s) revoked`);
      auditUser(run.deps, 'sessions.ended', user, { revokedGrants });
    },
  },
  delete: {
    usage: 'users delete <email|id>   (the account, its address, sessions, grants and consents)',
    async run(run) {
      const user = await userOf(run);
      const result = await run.deps.services.deletion.delete(user.id);
      if (!result.deleted) throw run.usage(`no user ${user.id}`);
      run.deps.print(`deleted ${user.email} (${user.id}): ${result.revokedGrants} grant(s) and ${result.revokedConsents} consent(s) revoked`);
      auditUser(run.deps, 'user.deleted', user, { revokedGrants: result.revokedGrants, revokedConsents: result.revokedConsents });
    },
  },
  'reset-mfa': {
    usage: 'users reset-mfa <email|id>   (removes TOTP, recovery codes and passkeys after an out-of-band check; mails the user)',
    async run(run) {
      const user = await userOf(run);
      const removed = await removeSecondFactors(user.id, run.deps.services.secondFactors);
      if (!removed.totp && removed.passkeys === 0) {
        run.deps.print(`${user.email} has no second factor: nothing removed`);
        return;
      }
      await run.deps.mailer.send(secondFactorChangeMail(user.email, 'reset-by-operator'));
      run.deps.print(`reset the second factors of ${user.email}: ${removed.totp ? 'TOTP and its recovery codes' : 'no TOTP'}, ${removed.passkeys} passkey(s) removed; the user was mailed`);
      auditUser(run.deps, 'mfa.reset', user, { totp: removed.totp ? 1 : 0, passkeys: removed.passkeys });
    },
  },
};

const OPTIONS = {
  prefix: { type: 'string' },
  limit: { type: 'string' },
} as const;

const USAGES: Record<string, string> = Object.fromEntries(Object.entries(COMMANDS).map(([name, command]) => [name, command.usage]));

export { UsageError } from './cli-errors.js';

export async function runUsersCli(argv: readonly string[], deps: UsersCliDeps): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usageOf(USAGES, argv[0]));
  }
  const [name, ...args] = parsed.positionals;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (name === undefined || command === undefined) throw new UsageError(name === undefined ? 'missing command' : `unknown command "${name}"`, usageOf(USAGES, undefined));
  await command.run({ args, options: parsed.values, deps, usage: (message) => new UsageError(message, usageOf(USAGES, name)) });
}

/** The one user the command names, by address (anything with an @) or id. */
async function userOf({ args, deps, usage }: CommandRun): Promise<User> {
  const [who, ...extra] = args;
  if (who === undefined || extra.length > 0) throw usage('give exactly one address or user id');
  const user = who.includes('@') ? await deps.services.users.findByEmail(who) : await deps.services.users.findById(who);
  if (user === undefined) throw usage(`no user ${who}`);
  return user;
}

function statusOf(user: User): string {
  return isDisabled(user) ? `disabled since ${user.disabledAt}` : 'active';
}

function isoOf(epochS: number): string {
  return new Date(epochS * 1000).toISOString();
}

function auditUser(deps: UsersCliDeps, event: AuditEventType, user: User, detail: Record<string, number> = {}): void {
  audit({ event, actor: deps.actor ?? operatorActor(), subject: { type: 'user', id: user.id }, detail: { email: maskEmail(user.email), ...detail } }, new Date(deps.clock()));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  assertNoOptionsTakenByNpm('users', argv, Object.keys(OPTIONS), usageOf(USAGES, argv[0]));
  // The tables and the lifetimes the stores need, and how to mail; no issuer, no KMS key.
  const config = loadConfigSections(['aws', 'cacheTable', 'directoryTable', 'lifetimes', 'accounts', 'mail']);
  const documentClient = documentClientFor(config);
  const services = createAccountServices({ config, clock: systemClock, documentClient });
  const mailer = mailerFor(config, { cache: new TtlCache({ client: documentClient, tableName: config.tables.cache, clock: systemClock }), clock: systemClock });
  await runUsersCli(argv, { services, mailer, clock: systemClock, print: (line) => console.log(line) });
}

runIfMain(import.meta.url, main, { exitCodeFor: (error) => (error instanceof UsageError ? 2 : 1), describe: describeCliError });
