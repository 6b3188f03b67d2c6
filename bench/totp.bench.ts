/**
 * What checking a second-factor code costs:
 *
 *  1. CPU of each part, warm, in-process: the RFC 6238 match over the ±1-step window (three
 *     HMAC-SHA1 in the worst case), unprotecting the stored secret (data protection, warm key),
 *     and a recovery code checked against ten keyed hashes (HMAC-SHA256, worst case: no match),
 *     beside one argon2id derivation at production's parameters: what each of those ten checks
 *     would cost if recovery codes were hashed like passwords.
 *  2. A whole warm TotpFactor.verify of a correct code against DynamoDB Local (the throttle's
 *     counter, the TOTP item, the conditional step claim, the counter given back): wall time and
 *     CPU per check, and the DynamoDB calls it makes.
 *
 * No thresholds: figures are printed beside their baselines.
 *
 *   node --import tsx bench/totp.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { hashRaw } from '@node-rs/argon2';
import { KeyRingKeyedHasher } from '../lib/auth/key-ring-keyed-hasher.js';
import { LoginThrottle } from '../lib/auth/login-throttle.js';
import { newRecoveryCodes, normalizeRecoveryCode } from '../lib/auth/recovery-codes.js';
import { matchingTotpStep, newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../lib/auth/totp.js';
import { TotpFactor } from '../lib/auth/totp-factor.js';
import { loadConfigSections } from '../lib/config.js';
import { TotpDirectory } from '../lib/store/totp-directory.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { countCommands } from '../test/support/count-commands.js';
import { buildInstance } from '../test/support/dataprotection-worker.js';
import { startTestStack } from '../test/support/stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = Number(process.env.BENCH_TOTP_N ?? 300);
const ARGON2_N = Number(process.env.BENCH_ARGON2_N ?? 10);
const STEP_MS = TOTP_PERIOD_S * 1000;
const PRODUCTION = loadConfigSections(['accounts'], {}).password.argon2id;

/** Microseconds of CPU per call of `action`, over `n` calls after a warm-up. */
async function cpuMicros(n: number, action: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 50); i++) await action();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await action();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  // A wide per-device budget: the bench checks hundreds of codes for one account from one device.
  const stack = await startTestStack({ env: { LOGIN_MAX_FAILURES_PER_DEVICE: '1000000' } });
  try {
    const time = { now: Math.floor(Date.now() / STEP_MS) * STEP_MS };
    const clock = () => time.now;
    const instance = buildInstance(stack.config, { clock });
    const { documentClient: client, config } = instance;
    const dynamo = countCommands(client);
    const store = new TotpDirectory({ client, tableName: config.tables.directory, clock });
    const throttle = new LoginThrottle({ cache: new TtlCache({ client, tableName: config.tables.cache, clock }), settings: config.bruteForce, clock, kind: 'code' });
    const recoveryHasher = new KeyRingKeyedHasher(instance.keyRing, `${config.appName}/recovery-codes`);
    const factor = new TotpFactor({ store, protector: instance.protector, recoveryHasher, throttle, clock });

    const userId = `bench-${randomBytes(4).toString('hex')}`;
    const email = `${userId}@example.com`;
    const secret = newTotpSecret();
    const activation = await factor.activate(userId, secret, totpCodeAt(secret, time.now));
    if (!activation.ok) throw new Error('enrolment failed');
    const protectedSecret = (await store.find(userId))!.protectedSecret;
    const hashes = await Promise.all(newRecoveryCodes().map((code) => recoveryHasher.hash(normalizeRecoveryCode(code)!)));
    const stranger = normalizeRecoveryCode(newRecoveryCodes(1)[0]!)!;

    console.log(`node ${process.version} ${process.arch}; DynamoDB Local at ${stack.dynamodbEndpoint}; ${N} checks each`);
    const wrongCode = totpCodeAt(newTotpSecret(), time.now);
    const parts: [string, number][] = [
      ['RFC 6238 match, ±1 step, no match (3 x HMAC-SHA1)', await cpuMicros(N * 10, () => matchingTotpStep(secret, wrongCode, time.now))],
      ['unprotect the stored secret (warm key)', await cpuMicros(N * 10, () => factor.unprotectSecret(userId, protectedSecret))],
      ['recovery code vs 10 keyed hashes, no match', await cpuMicros(N * 10, async () => {
        for (const hash of hashes) await recoveryHasher.verify(stranger, hash);
      })],
      [`one argon2id derivation, m = ${PRODUCTION.memoryKiB} KiB, t = ${PRODUCTION.iterations} (baseline)`, await cpuMicros(ARGON2_N, () =>
        hashRaw(stranger, { memoryCost: PRODUCTION.memoryKiB, timeCost: PRODUCTION.iterations, parallelism: 1, outputLen: 32, salt: randomBytes(16) }),
      )],
    ];
    console.log('\nCPU per operation (warm, in-process)');
    for (const [name, micros] of parts) console.log(`  ${name.padEnd(72)} ${micros.toFixed(1).padStart(10)} us`);

    // A correct code per step: the clock moves one step per check, as a user signing in later would.
    const device = { account: email, deviceId: 'bench-device' };
    const wall: number[] = [];
    const cpu: number[] = [];
    dynamo.reset();
    for (let i = 0; i < N; i++) {
      time.now += STEP_MS;
      const code = totpCodeAt(secret, time.now);
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      const check = await factor.verify({ userId, email, code, origin: { ip: '192.0.2.1', device } });
      wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
      if (!check.ok) throw new Error(`check ${i} refused: ${check.reason}`);
    }
    const calls = Object.entries(dynamo.counts()).map(([name, count]) => `${name} ${(count / N).toFixed(1)}`).join(', ');
    console.log('\nWhole TotpFactor.verify of a correct code, warm, against DynamoDB Local');
    console.log(`  wall median ${median(wall).toFixed(2)} ms, CPU median ${median(cpu).toFixed(2)} ms (this process, SDK included)`);
    console.log(`  DynamoDB calls per check: ${calls}`);
    console.log('    UpdateItem: the device budget taken and given back, the step claimed (without the device cookie: three budgets, 3 + 3);');
    console.log(`    GetItem: the TOTP item; Query/PutItem: key-ring refreshes, due because the clock moves ${TOTP_PERIOD_S} s per check`);
    instance.close();
  } finally {
    await stack.close();
  }
}

await main();
