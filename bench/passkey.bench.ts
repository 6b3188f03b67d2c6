/**
 * What a passkey sign-in costs the server:
 *
 *  1. CPU per ceremony, warm, in-process with the in-memory stores (no I/O): the options step
 *     (a challenge and the options JSON) and the verify step (parse, challenge consumed, the
 *     passkey found, @simplewebauthn/server's checks and ES256 signature check, the counter
 *     recorded), beside one plain ES256 verify (node:crypto) of the same kind of signature in
 *     the same run: what the ceremony adds around the cryptography.
 *  2. Against DynamoDB Local: the DynamoDB calls of each step (options, verify), and the wall and
 *     CPU time of a whole ceremony, cold (the first ceremony of a new instance: its own clients,
 *     connections opened) and warm.
 *
 * The HTTP layer around it (antiforgery, the session cookie: data protection, the second-factor
 * gate's lookup) is the same as for every sign-in and is measured by the flows bench.
 * No thresholds: figures are printed beside their baselines.
 *
 *   node --import tsx bench/passkey.bench.ts
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { PasskeyAuthentication } from '../lib/auth/passkey-authentication.js';
import { PasskeyChallenges } from '../lib/auth/passkey-challenges.js';
import { PasskeyRegistration } from '../lib/auth/passkey-registration.js';
import type { RelyingParty } from '../lib/auth/passkey-relying-party.js';
import type { PasskeyStore } from '../lib/auth/passkey-store.js';
import type { TtlStore } from '../lib/ttl-store.js';
import { PasskeyDirectory } from '../lib/store/passkey-directory.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { countCommands } from '../test/support/count-commands.js';
import { InMemoryPasskeyStore } from '../test/support/in-memory-passkey-store.js';
import { InMemoryTtlStore } from '../test/support/in-memory-ttl-store.js';
import { SoftwareAuthenticator } from '../test/support/software-authenticator.js';
import { startTestStack, type TestStack } from '../test/support/stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = Number(process.env.BENCH_PASSKEY_N ?? 300);
const COLD_N = Number(process.env.BENCH_PASSKEY_COLD_N ?? 10);
const ORIGIN = 'http://localhost:3000';
const relyingParty: RelyingParty = { name: 'identity', rpId: 'localhost', origins: [ORIGIN] };
const clock = () => Date.now();

function ceremonies(passkeys: PasskeyStore, cache: TtlStore) {
  const challenges = new PasskeyChallenges(cache);
  return {
    registration: new PasskeyRegistration({ passkeys, challenges, relyingParty, clock }),
    authentication: new PasskeyAuthentication({ passkeys, challenges, relyingParty, clock }),
  };
}

/** A user with one passkey on `authenticator`, registered through the real ceremony. */
async function enrol(registration: PasskeyRegistration, authenticator: SoftwareAuthenticator): Promise<void> {
  const id = `bench-${randomBytes(4).toString('hex')}`;
  const registrant = { user: { id, email: `${id}@example.com`, name: 'Bench' }, sessionId: randomBytes(16).toString('base64url') };
  const options = await registration.options(registrant);
  const result = await registration.verify(registrant, JSON.stringify(authenticator.register(options)));
  if (!result.ok) throw new Error(`enrolment refused: ${result.reason}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** CPU microseconds of each call, after a warm-up. */
async function cpuPerCall(n: number, action: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 30); i++) await action();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await action();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

async function inProcess(): Promise<void> {
  const { registration, authentication } = ceremonies(new InMemoryPasskeyStore(), new InMemoryTtlStore(clock));
  const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
  await enrol(registration, authenticator);
  // Answers prepared ahead: the authenticator's own signing is the browser's cost, not the server's.
  const prepared: { challenge: string; response: string }[] = [];
  const options = await cpuPerCall(N, async () => {
    const request = await authentication.options();
    prepared.push({ challenge: request.challenge, response: JSON.stringify(authenticator.authenticate(request)) });
  });
  let next = 0;
  const verifyStep = await cpuPerCall(Math.min(N, prepared.length - 30), async () => {
    const result = await authentication.verify(prepared[next++]!.response);
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
  });

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.concat([randomBytes(37), createHash('sha256').update(randomBytes(120)).digest()]);
  const signature = sign('sha256', data, privateKey);
  const es256 = await cpuPerCall(N * 5, () => {
    if (!verify('sha256', data, publicKey, signature)) throw new Error('ES256 verify failed');
  });

  console.log('\nCPU per step (warm, in-process, in-memory stores: no I/O)');
  console.log(`  options (challenge + options JSON)${' '.repeat(38)}${options.toFixed(1).padStart(10)} us (includes the test authenticator's signing)`);
  console.log(`  verify (parse, challenge, lookup, library checks, ES256, counter)${' '.repeat(7)}${verifyStep.toFixed(1).padStart(10)} us`);
  console.log(`  one plain ES256 verify, node:crypto (baseline)${' '.repeat(26)}${es256.toFixed(1).padStart(10)} us`);
}

async function onDynamoDb(stack: TestStack): Promise<void> {
  const instance = () => {
    const client = stack.documentClient();
    const counter = countCommands(client);
    const built = ceremonies(
      new PasskeyDirectory({ client, tableName: stack.config.tables.directory, clock }),
      new TtlCache({ client, tableName: stack.config.tables.cache, clock }),
    );
    return { ...built, counter, close: () => client.destroy() };
  };
  const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
  const setup = instance();
  await enrol(setup.registration, authenticator);
  setup.close();

  const ceremony = async (on: ReturnType<typeof instance>) => {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const request = await on.authentication.options();
    const response = JSON.stringify(authenticator.authenticate(request));
    const result = await on.authentication.verify(response);
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
    const used = process.cpuUsage(cpuStart);
    return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 };
  };

  const cold = [];
  for (let i = 0; i < COLD_N; i++) {
    const fresh = instance();
    cold.push(await ceremony(fresh));
    fresh.close();
  }
  const warm = instance();
  for (let i = 0; i < 20; i++) await ceremony(warm);
  const warmRuns = [];
  warm.counter.reset();
  const optionsCalls = instance();
  await optionsCalls.authentication.options();
  const optionsCounts = optionsCalls.counter.counts();
  optionsCalls.close();
  for (let i = 0; i < N; i++) warmRuns.push(await ceremony(warm));
  const perCeremony = Object.entries(warm.counter.counts()).map(([name, count]) => `${name} ${(count / N).toFixed(1)}`).join(', ');
  warm.close();

  const show = (label: string, runs: { wallMs: number; cpuMs: number }[]) =>
    console.log(`  ${label.padEnd(8)} wall median ${median(runs.map((r) => r.wallMs)).toFixed(2)} ms, CPU median ${median(runs.map((r) => r.cpuMs)).toFixed(2)} ms (this process: SDK and the test authenticator's signing included)`);
  console.log('\nA whole ceremony (options, then verify) against DynamoDB Local');
  show(`cold x${COLD_N}`, cold);
  show(`warm x${N}`, warmRuns);
  console.log(`  DynamoDB calls, options step: ${Object.entries(optionsCounts).map(([name, count]) => `${name} ${count}`).join(', ')} (the challenge)`);
  console.log(`  DynamoDB calls per ceremony: ${perCeremony}`);
  console.log('    PutItem: the challenge; DeleteItem: its conditional consumption; GetItem x2: credential id -> user, then the passkey;');
  console.log('    UpdateItem: the counter moved forward under a condition (and last used)');
}

async function main(): Promise<void> {
  const stack = await startTestStack();
  try {
    console.log(`node ${process.version} ${process.arch}; DynamoDB Local at ${stack.dynamodbEndpoint}; ${N} ceremonies each`);
    await inProcess();
    await onDynamoDb(stack);
  } finally {
    await stack.close();
  }
}

await main();
