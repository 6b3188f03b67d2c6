import { startTestStack } from '../support/stack.js';
import { startOfflineCluster } from '../support/offline-cluster.js';
const stack = await startTestStack();
const cluster = await startOfflineCluster({ stack, instances: 1 });
const path = process.argv[2] ?? '/.well-known/openid-configuration';
const url = cluster.instanceUrls[0] + path;
let n = 0; const t0 = Date.now();
try {
  for (; n < Number(process.argv[3] ?? 3000); n++) {
    const r = await fetch(url, { signal: AbortSignal.timeout(15000) });
    await r.text();
    if (r.status !== 200) console.log('status', r.status);
  }
  console.log('ok', n, 'in', Date.now() - t0, 'ms');
} catch (e) { console.log('HUNG at', n, 'after', Date.now() - t0, 'ms', String(e), cluster.logFiles); }
await cluster.close(); await stack.close();
