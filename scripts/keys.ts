/**
 * Operator CLI for the key rings.
 *
 *   keys list
 *   keys rotate
 *   keys revoke <keyId> [--ring dataprotection|signing|signing-rs256]
 *   keys revoke --created-before <ISO date> [--ring dataprotection|signing|signing-rs256]
 *
 * Configuration comes from the environment (`npm run keys` fills in the local stack; for a
 * deployed stage set STAGE, KEYS_TABLE, KMS_KEY_ID, AWS_REGION and AWS credentials). Prints
 * ids and dates only, never key material.
 */
import { parseArgs } from 'node:util';
import { loadConfigSections } from '../lib/config.js';
import { keyStatus, type KeyRecord } from '../lib/keyring/key-ring-policy.js';
import { DATA_PROTECTION_RING } from '../lib/dataprotection/master-key.js';
import type { Revocation, RevocationOutcome } from '../lib/keyring/revocation.js';
import type { KeyDescription } from '../lib/keyring/rotation.js';
import { auditCreatedKeys, auditRevocation, revokeApplicationKeys, rotateApplicationRings, type ApplicationRotationDeps } from '../lib/runtime/key-rotation.js';
import type { AuditParty } from '../lib/observability/audit.js';
import type { KeyWrapper } from '../lib/kms/key-wrapper.js';
import { kmsKeyWrapperFor } from '../lib/runtime/kms-client.js';
import { SIGNING_RINGS } from '../lib/signing/signing-key-policy.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import type { KeyRingRepository } from '../lib/keyring/key-ring-repository.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';
import { operatorActor } from './operator.js';
import { assertNoOptionsTakenByNpm, describeCliError, usageOf, UsageError } from './cli-errors.js';
import { runIfMain } from './run-as-main.js';

/** `signing` holds the ES256 keys, `signing-rs256` the RS256 ones. */
export const RINGS = [DATA_PROTECTION_RING, SIGNING_RINGS.ES256, SIGNING_RINGS.RS256] as const;

export interface KeysCliDeps {
  config: ApplicationRotationDeps['config'];
  repository: KeyRingRepository;
  /** Only `rotate` and `revoke` need one (they wrap new keys); `list` needs no KMS access. */
  keyWrapper: () => KeyWrapper;
  now: () => Date;
  print: (line: string) => void;
  /** Named in the audit events (JSON lines on stdout) of `rotate` and `revoke`; the OS user by default. */
  actor?: AuditParty;
}

const RING_OPTION = `[--ring ${RINGS.join('|')}]`;
const COMMANDS: Record<string, string> = {
  list: 'keys list',
  rotate: 'keys rotate',
  revoke: `keys revoke <keyId> ${RING_OPTION}\n  keys revoke --created-before <ISO date> ${RING_OPTION}`,
};
const OPTIONS = { ring: { type: 'string' }, 'created-before': { type: 'string' } } as const;

export { UsageError } from './cli-errors.js';
/** A usage error of `command` (the whole usage text when it is not a command). */
const usageError = (message: string, command: string | undefined) => new UsageError(message, usageOf(COMMANDS, command));

export async function runKeysCli(argv: readonly string[], deps: KeysCliDeps): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), argv[0]);
  }
  const [command, ...rest] = parsed.positionals;
  const ring = parsed.values.ring ?? DATA_PROTECTION_RING;
  if (!(RINGS as readonly string[]).includes(ring)) throw usageError(`unknown ring "${ring}"`, command);

  switch (command) {
    case 'list':
      return list(deps);
    case 'rotate': {
      const rotations = await rotateApplicationRings({ config: deps.config, repository: deps.repository, keyWrapper: deps.keyWrapper() }, deps.now());
      for (const rotation of rotations) {
        const successor = rotation.successor ? ` successor ${rotation.successor.keyId} activates ${rotation.successor.activatesAt}` : '';
        deps.print(`${rotation.ring}: ${rotation.action}${successor}`);
      }
      auditCreatedKeys(rotations, deps.actor ?? operatorActor());
      return;
    }
    case 'revoke': {
      const createdBefore = parsed.values['created-before'];
      if (createdBefore !== undefined) {
        if (rest.length > 0) throw usageError('give either a key id or --created-before, not both', command);
        const date = parseIsoDate(createdBefore);
        if (date === undefined) throw usageError(`not an ISO date (2026-11-01 or 2026-11-01T00:00:00Z): "${createdBefore}"`, command);
        const now = deps.now();
        if (date.getTime() > now.getTime()) throw usageError(`--created-before ${date.toISOString()} is in the future: it would revoke every key as soon as it is created`, command);
        const outcome = await revoke(deps, ring, { createdBefore: date }, now);
        if (outcome.revoked) printRevocation(deps, ring, `every key created before ${date.toISOString()} is revoked`, outcome.created);
        return;
      }
      const [keyId, ...extra] = rest;
      if (keyId === undefined || extra.length > 0) throw usageError('revoke needs exactly one key id', command);
      const outcome = await revoke(deps, ring, { keyId }, deps.now());
      if (!outcome.revoked) throw usageError(`ring "${ring}" has no key ${keyId}`, command);
      printRevocation(deps, ring, `key ${keyId} is revoked`, outcome.created);
      return;
    }
    default:
      throw usageError(command === undefined ? 'missing command' : `unknown command "${command}"`, undefined);
  }
}

/**
 * The emergency path: the replacement (and a published successor for signing) is created
 * before the keys are revoked, so the ring never reads empty and a signing replacement starts
 * its propagation at once.
 */
async function revoke(deps: KeysCliDeps, ring: string, revocation: Revocation, now: Date): Promise<RevocationOutcome> {
  const outcome = await revokeApplicationKeys({ config: deps.config, repository: deps.repository, keyWrapper: lazyKeyWrapper(deps.keyWrapper) }, ring, revocation, now);
  auditRevocation(ring, revocation, outcome, deps.actor ?? operatorActor());
  return outcome;
}

/** KMS access built only when a key is actually created: a revocation must go through without it. */
function lazyKeyWrapper(make: () => KeyWrapper): KeyWrapper {
  let built: KeyWrapper | undefined;
  const wrapper = () => (built ??= make());
  return {
    generate: async (context) => wrapper().generate(context),
    wrap: async (plaintext, context) => wrapper().wrap(plaintext, context),
    unwrap: async (wrapped, context) => wrapper().unwrap(wrapped, context),
  };
}

function printRevocation(deps: KeysCliDeps, ring: string, revoked: string, created: readonly KeyDescription[]): void {
  deps.print(`${ring}: ${revoked}`);
  for (const key of created) deps.print(`${ring}: created ${key.keyId} activates ${key.activatesAt}`);
}

async function list(deps: KeysCliDeps): Promise<void> {
  const now = deps.now();
  const header = ['ring', 'keyId', 'created', 'activates', 'expires', 'revoked', 'status'];
  const rows: string[][] = [];
  for (const ring of RINGS) {
    const keys = await deps.repository.load(ring, { consistent: true });
    const ordered = [...keys].sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime() || a.generation - b.generation);
    for (const key of ordered) rows.push(row(ring, key, keys, now));
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  deps.print(format(header));
  for (const cells of rows) deps.print(format(cells));
  if (rows.length === 0) deps.print('(no keys)');
}

function row(ring: string, key: KeyRecord, keys: readonly KeyRecord[], now: Date): string[] {
  return [ring, key.keyId, iso(key.createdAt), iso(key.activatesAt), iso(key.expiresAt), key.revokedAt ? iso(key.revokedAt) : '-', keyStatus(key, keys, now)];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A date, or a date and time with its offset. Strict: `new Date` alone turns "2026-02-30" into
 * March 2 and "2026-11-01 x" into some day in June, and a revocation must cover exactly the
 * keys the operator meant. A time without an offset is refused (local time is ambiguous).
 */
function parseIsoDate(text: string): Date | undefined {
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  assertNoOptionsTakenByNpm('keys', argv, Object.keys(OPTIONS), usageOf(COMMANDS, argv[0]));
  const config = loadConfigSections(['app', 'aws', 'keysTable', 'lifetimes']);
  const repository = new DynamoDbKeyRingRepository({ client: documentClientFor(config), tableName: config.tables.keys });
  // KMS (and KMS_KEY_ID) only for the commands that wrap keys: list needs no KMS access.
  const keyWrapper = () => kmsKeyWrapperFor({ ...config, ...loadConfigSections(['kms']) });
  await runKeysCli(argv, { config, repository, keyWrapper, now: () => new Date(), print: (line) => console.log(line) });
}

runIfMain(import.meta.url, main, { exitCodeFor: (error) => (error instanceof UsageError ? 2 : 1), describe: describeCliError });
