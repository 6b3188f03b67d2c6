import { startTestStack } from '../support/stack.js';
import { startOfflineCluster } from '../support/offline-cluster.js';
import { SessionClient } from '../support/session-client.js';
import { execSync } from 'node:child_process';
const stack = await startTestStack();
const cluster = await startOfflineCluster({ stack });
console.log('ready', cluster.startupMs, cluster.instanceUrls, 'dynamo', stack.dynamodbEndpoint, 'kms', cluster.kms.url);
let hung = false;
const deadline = Date.now() + 240_000;
let n = 0;
while (!hung && Date.now() < deadline) {
  const c = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, requestTimeoutMs: 20_000 });
  try {
    const p = await c.get('/register');
    const r = await c.submit(p, { overrides: { email: `s${n++}-${Date.now()}@example.com` } });
    if (r.status !== 200) console.log('status', r.status, r.text.slice(0, 200));
    const h = await c.get('/');
    if (h.status !== 200) console.log('home', h.status);
  } catch (e) {
    console.log('HUNG', n, String(e));
    hung = true;
    console.log(execSync(`ss -tnpo | grep -v "127.0.0.1:22 " | head -80`).toString());
  }
}
console.log('iterations', n);
if (hung) { console.log('leaving it up 120s for inspection'); await new Promise(r => setTimeout(r, 120_000)); }
await cluster.close(); await stack.close();
