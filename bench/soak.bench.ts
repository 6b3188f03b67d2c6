/**
 * Soak: mixed traffic for a fixed time against three independent `osls offline` instances
 * (test/support/offline-cluster.ts), all on loopback: page views, password sign-ins,
 * authorization-code exchanges, refreshes, userinfo, JWKS and discovery, from virtual users
 * (one per instance by default) that each walk a whole sign-in-to-refresh session over and over.
 *
 * Reports requests, errors by status, p50/p99 latency per kind after warm-up, and each
 * instance's resident memory (and thread count) every 15 s. Targets (exit code 1 when missed): no
 * unexpected answer, and every instance's highest RSS in the last minute at most 110% of its
 * highest in the minute after warm-up.
 *
 *   npm run bench -- soak [--minutes 10] [--users 3]
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchFixtures } from './fixtures.js';
import { hashPassword } from './password-fixture.js';
import { startOfflineCluster, type OfflineCluster } from '../test/support/offline-cluster.js';
import { SessionClient, type Page } from '../test/support/session-client.js';
import { startTestStack } from '../test/support/stack.js';

const { values: options } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, users: { type: 'string', default: '3' } } });
const MINUTES = Number(options.minutes);
const USERS = Number(options.users);
if (!(MINUTES > 0) || !Number.isInteger(USERS) || USERS < 1) throw new Error('--minutes must be > 0 and --users a positive integer');
const DURATION_MS = MINUTES * 60_000;
/**
 * Bundles built, key rings cached, JIT warm: memory is compared from here on. Two minutes, as V8
 * keeps sizing the fifteen workers' heaps for a while after the first requests; the timeline
 * printed at the end shows whatever grows before and after.
 */
const WARM_UP_MS = Math.min(120_000, DURATION_MS / 5);
const MAX_RSS_GROWTH = 1.1;
const SAMPLE_EVERY_MS = 15_000;
/**
 * RSS is compared as the highest sample of a window, not as one sample: a major GC moves one
 * instance's RSS by 15% and more within 30 s (699 to 517 MiB in a run with steady traffic),
 * while a leak raises the high-water mark from window to window.
 */
const RSS_WINDOW_MIN = 1;
const CLIENT_ID = 'soak-spa';
const REDIRECT = 'http://127.0.0.1:9/cb';
const PASSWORD = 'correct horse battery staple 42';

interface Sample {
  kind: string;
  status: number;
  ms: number;
  afterWarmUp: boolean;
}

const samples: Sample[] = [];
const unexpected = new Map<string, number>();
let startedAt = 0;

/** Times one request and checks its status; an unexpected one is counted, not thrown, so the soak goes on. */
async function timed(kind: string, expected: number, send: () => Promise<Page>): Promise<Page | undefined> {
  const began = performance.now();
  let page: Page | undefined;
  let status: number;
  try {
    page = await send();
    status = page.status;
  } catch {
    status = 0;
  }
  samples.push({ kind, status, ms: performance.now() - began, afterWarmUp: Date.now() - startedAt >= WARM_UP_MS });
  if (status !== expected) {
    const key = `${kind} ${status === 0 ? 'no answer' : status}`;
    unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
    return undefined;
  }
  return page;
}

interface ProcessMemory {
  rssKiB: number;
  /** osls's own threads plus a few per worker: shows when serverless-offline started more workers. */
  threads: number;
}

function processMemory(pid: number): ProcessMemory {
  const lines = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  const field = (name: string) => Number(lines.find((l) => l.startsWith(`${name}:`))?.split(/\s+/)[1] ?? NaN);
  return { rssKiB: field('VmRSS'), threads: field('Threads') };
}

/** One session of a person and their app: pages, sign-in, code exchange, refreshes, userinfo. */
async function session(cluster: OfflineCluster, email: string, instance: number): Promise<void> {
  const browser = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, target: instance, requestTimeoutMs: 30_000 });
  await timed('page view', 200, () => browser.get('/'));
  const form = await timed('page view', 200, () => browser.get('/login'));
  if (form === undefined) return;
  const signedIn = await timed('sign-in', 303, () => browser.submit(form, { overrides: { email, password: PASSWORD } }));
  if (signedIn === undefined) return;
  await timed('page view', 200, () => browser.get('/'));

  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    scope: 'openid email offline_access',
    state: 'soak',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await timed('authorize', 302, () => browser.get(`/authorize?${query}`));
  const code = authorized?.location ? new URL(authorized.location).searchParams.get('code') : null;
  if (!code) return;
  const api = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, target: instance, requestTimeoutMs: 30_000 });
  const exchanged = await timed('code exchange', 200, () =>
    api.post('/token', { grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: REDIRECT, code_verifier: verifier }),
  );
  if (exchanged === undefined) return;
  let tokens = JSON.parse(exchanged.body) as { access_token: string; refresh_token: string };
  for (let i = 0; i < 2; i++) {
    await timed('userinfo', 200, () => api.get('/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    const refreshed = await timed('refresh', 200, () => api.post('/token', { grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: tokens.refresh_token }));
    if (refreshed === undefined) return;
    tokens = JSON.parse(refreshed.body) as typeof tokens;
  }
  await timed('page view', 200, () => api.get('/jwks'));
  await timed('page view', 200, () => api.get('/.well-known/openid-configuration'));
}

/** Per instance, the sample with the highest RSS among `window`. */
function highest(window: readonly { memory: ProcessMemory[] }[]): ProcessMemory[] {
  if (window.length === 0) throw new Error('no RSS sample in the window: run for longer than the warm-up plus a minute');
  return window[0]!.memory.map((_, i) => window.map((t) => t.memory[i]!).reduce((a, b) => (b.rssKiB > a.rssKiB ? b : a)));
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const stack = await startTestStack();
// serverless-offline runs each function in a worker thread (an isolate, ~40 MB), starts another
// when a request finds them all busy, and ends workers idle for 60 s. On Lambda, the first is
// scaling out (one more instance, with memory of its own) and the second a cold start; neither is
// an instance's memory growing. So each virtual user talks to one instance (users = instances by
// default: one request at a time per instance, as a Lambda instance serves them) and workers live
// for the whole run: the RSS of each process then measures the same workers' memory over time.
const cluster = await startOfflineCluster({ stack, instances: 3, env: { OFFLINE_IDLE_LAMBDA_S: String(MINUTES * 60 + 300) } });
let failed = false;
try {
  const fixtures = createBenchFixtures(cluster.config, { documentClient: stack.documentClient() });
  await fixtures.registerClient({ clientId: CLIENT_ID, firstParty: true, redirectUris: [REDIRECT], grantTypes: ['authorization_code', 'refresh_token'] });
  const passwordHash = await hashPassword(cluster.config, PASSWORD);
  const emails = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => (await fixtures.createUser({ email: `soak-${i}-${randomBytes(3).toString('hex')}@example.com`, name: `Soak ${i}`, passwordHash })).email),
  );

  console.log(`soak: ${MINUTES} min, ${USERS} virtual users, 3 instances (ready in ${cluster.startupMs} ms), warm-up ${Math.round(WARM_UP_MS / 1000)} s`);
  startedAt = Date.now();
  const deadline = startedAt + DURATION_MS;
  // A leak grows steadily; a heap settling grows less and less: the timeline tells them apart.
  const timeline: { minute: number; memory: ProcessMemory[] }[] = [];
  const sample = () => timeline.push({ minute: (Date.now() - startedAt) / 60_000, memory: cluster.pids.map(processMemory) });
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  await Promise.all(
    emails.map(async (email, user) => {
      while (Date.now() < deadline) await session(cluster, email, user % cluster.instanceUrls.length);
    }),
  );
  clearInterval(sampler);
  sample();

  const byStatus = new Map<number, number>();
  for (const s of samples) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  console.log(`requests: ${samples.length} (${(samples.length / (DURATION_MS / 1000)).toFixed(1)}/s); by status: ${[...byStatus].sort().map(([s, n]) => `${s === 0 ? 'no answer' : s}: ${n}`).join(', ')}`);
  console.log(`unexpected answers: ${unexpected.size === 0 ? 0 : [...unexpected].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  console.log('latency after warm-up (ms):   kind            count     p50     p99');
  for (const kind of [...new Set(samples.map((s) => s.kind))]) {
    const times = samples.filter((s) => s.kind === kind && s.afterWarmUp).map((s) => s.ms).sort((a, b) => a - b);
    console.log(`  ${kind.padEnd(28)}${String(times.length).padStart(8)}${percentile(times, 50).toFixed(1).padStart(8)}${percentile(times, 99).toFixed(1).padStart(8)}`);
  }
  const mib = (m: ProcessMemory) => (m.rssKiB / 1024).toFixed(1);
  console.log(`RSS (MiB) every ${SAMPLE_EVERY_MS / 1000} s, per instance [threads]:`);
  for (const { minute, memory } of timeline) console.log(`  ${minute.toFixed(2).padStart(5)} min  ${memory.map((m) => `${mib(m).padStart(7)} [${m.threads}]`).join('  ')}`);
  const warmUpMin = WARM_UP_MS / 60_000;
  const lastMin = timeline.at(-1)!.minute;
  const afterWarmUp = highest(timeline.filter((t) => t.minute >= warmUpMin && t.minute <= warmUpMin + RSS_WINDOW_MIN));
  const atEnd = highest(timeline.filter((t) => t.minute >= lastMin - RSS_WINDOW_MIN));
  for (const [i, pid] of cluster.pids.entries()) {
    const ratio = atEnd[i]!.rssKiB / afterWarmUp[i]!.rssKiB;
    console.log(
      `instance ${i} (pid ${pid}): highest RSS in the minute after warm-up ${mib(afterWarmUp[i]!)} MiB [${afterWarmUp[i]!.threads} threads], in the last minute ${mib(atEnd[i]!)} MiB [${atEnd[i]!.threads} threads] (${(ratio * 100).toFixed(0)}%)`,
    );
    if (ratio > MAX_RSS_GROWTH) failed = true;
  }
  console.log(`load average (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  if (unexpected.size > 0) failed = true;
  console.log(failed ? 'soak: targets MISSED (unexpected answers, or RSS above 110% of after warm-up)' : 'soak: targets met');
} finally {
  await cluster.close();
  await stack.close();
}
process.exit(failed ? 1 : 0);
