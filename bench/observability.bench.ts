/**
 * Warm per-request cost of the observability frame (lib/http's wrappers: AsyncLocalStorage
 * scope, Powertools `addContext`, one JSON request line, two metrics published as EMF), beside
 * the same handler behind a bare try/catch in the same run. The measuring runs in a child whose
 * stdout goes to /dev/null, so every line is really serialized and written, as in Lambda, but
 * not drawn on a terminal; the figures come back on stderr.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { json } from '../lib/http/response.js';
import { countMetric } from '../lib/observability/metrics.js';
import { fakeContext, fakeEvent } from '../test/support/fake-http-event.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = 7;

/** What a token request reports: a grant and a ring read. Outside a frame these are dropped. */
const inner: HttpHandler = async () => {
  countMetric('TokenIssued', { grant: 'refresh_token' });
  countMetric('KeyRingRefresh', { ring: 'signing', outcome: 'ok' });
  return json(200, { ok: true });
};

/** The wrappers' job without observability: a thrown error becomes a 500. */
const bare: HttpHandler = async (event, context) => {
  try {
    return await inner(event, context);
  } catch {
    return json(500, { error: 'server_error' });
  }
};

const observed = api(inner);

async function perRequestUs(handler: HttpHandler): Promise<number> {
  const event = fakeEvent();
  const context = { ...fakeContext, functionName: 'identity-bench-token' } as typeof fakeContext;
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) await handler(event, context);
  return ((performance.now() - start) * 1000) / REQUESTS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (process.env.OBSERVABILITY_BENCH_CHILD === '1') {
  for (let i = 0; i < 2000; i++) {
    await bare(fakeEvent(), fakeContext);
    await observed(fakeEvent(), fakeContext);
  }
  const samples = { bare: [] as number[], observed: [] as number[] };
  // Rounds interleave the two, so background load lands on both alike.
  for (let round = 0; round < ROUNDS; round++) {
    samples.bare.push(await perRequestUs(bare));
    samples.observed.push(await perRequestUs(observed));
  }
  process.stderr.write(`${JSON.stringify({ bare: median(samples.bare), observed: median(samples.observed) })}\n`);
} else {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, OBSERVABILITY_BENCH_CHILD: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  const result = JSON.parse(child.stderr.trim().split('\n').at(-1)!) as { bare: number; observed: number };
  const overhead = result.observed - result.bare;
  console.log(`warm requests, median of ${ROUNDS} rounds of ${REQUESTS} (stdout to /dev/null):`);
  console.log(`  bare try/catch handler               ${result.bare.toFixed(1).padStart(7)} us/request`);
  console.log(`  api(): log line + 2 metrics (EMF)    ${result.observed.toFixed(1).padStart(7)} us/request`);
  console.log(`  observability overhead               ${overhead.toFixed(1).padStart(7)} us/request   (budget: 300 us)`);
  console.log(`Load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  if (overhead > 300) process.exitCode = 1;
}
