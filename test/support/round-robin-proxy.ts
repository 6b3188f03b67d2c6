/**
 * A load balancer without affinity, for end-to-end tests: each request goes to the next
 * instance in turn, whatever cookies it carries, so a form rendered by one instance is submitted
 * to another. Bodies stream through both ways; status, `Location` and every `Set-Cookie` header
 * are passed on unchanged.
 *
 * Every answer carries `x-served-by: <instance index>` and every request is logged, so a test
 * can prove where each step of a flow ran instead of trusting the rotation.
 *
 * Static assets (`/assets/*`, `/favicon.ico`) rotate on a counter of their own: a browser fetches
 * them between loading a form and submitting it, and on the shared counter they would shift the
 * rotation so that, with three instances, the form's POST could land back on the instance that
 * rendered it. They still get no affinity.
 *
 * `/__proxy/log` (GET: `{ entries, counts }`) and `/__proxy/reset` (POST) answer from the proxy
 * itself, unlogged: test files in other processes share one cluster (test/support/e2e-cluster.ts)
 * and read the log through them.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SERVED_BY_HEADER = 'x-served-by';

export interface ProxiedRequest {
  /** Position in the log, from 0. */
  seq: number;
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** Index of the instance that served it. */
  instance: number;
  /** Upstream status, or 502 when the instance could not be reached. */
  status?: number;
}

export interface RoundRobinProxy {
  /** `http://localhost:<port>` (a name, not an IP: browsers treat http://localhost as secure). */
  url: string;
  port: number;
  /** Sets the instances (base URLs) requests are spread over; may be called before they are up. */
  setTargets(targets: readonly string[]): void;
  /** Requests served per instance index. */
  counts(): number[];
  /** Every request so far, oldest first. */
  log(): readonly ProxiedRequest[];
  /** Forgets the log and counts (not the rotation position). */
  resetLog(): void;
  close(): Promise<void>;
}

export interface RoundRobinProxyOptions {
  targets?: readonly string[];
  /** Requests for which this is true rotate on their own counter; static assets by default. */
  rotatesSeparately?: (path: string) => boolean;
}

/** RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const isStaticAsset = (path: string) => path.startsWith('/assets/') || path === '/favicon.ico';

export const PROXY_LOG_PATH = '/__proxy/log';
export const PROXY_RESET_PATH = '/__proxy/reset';

export async function startRoundRobinProxy(options: RoundRobinProxyOptions = {}): Promise<RoundRobinProxy> {
  let targets: URL[] = (options.targets ?? []).map((t) => new URL(t));
  const rotatesSeparately = options.rotatesSeparately ?? isStaticAsset;
  const next = { main: 0, separate: 0 };
  let entries: ProxiedRequest[] = [];
  let seq = 0;

  const pick = (path: string): number => {
    const counter = rotatesSeparately(path) ? 'separate' : 'main';
    const index = next[counter] % targets.length;
    next[counter] = index + 1;
    return index;
  };

  const counts = () => {
    const perInstance = targets.map(() => 0);
    for (const e of entries) perInstance[e.instance] = (perInstance[e.instance] ?? 0) + 1;
    return perInstance;
  };

  const control = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.url === PROXY_LOG_PATH && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ entries, counts: counts() }));
      return true;
    }
    if (req.url === PROXY_RESET_PATH && req.method === 'POST') {
      entries = [];
      res.writeHead(204).end();
      return true;
    }
    return false;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (control(req, res)) return;
    if (targets.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('round-robin proxy: no instances\n');
      return;
    }
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const instance = pick(path);
    const target = targets[instance]!;
    const entry: ProxiedRequest = { seq: seq++, method: req.method ?? 'GET', url, instance };
    entries.push(entry);

    const headers = forwardableHeaders(req.rawHeaders);
    const host = req.headers.host ?? '';
    headers.push('x-forwarded-for', req.socket.remoteAddress ?? '', 'x-forwarded-proto', 'http', 'x-forwarded-host', host);
    const upstream = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: url,
        // Host stays the one the client used, as behind a real load balancer.
        headers,
        // Fresh connection per request: an instance must not look sticky through pooling.
        agent: false,
      },
      (answer) => {
        entry.status = answer.statusCode;
        const out = forwardableHeaders(answer.rawHeaders);
        out.push(SERVED_BY_HEADER, String(instance));
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (error) => {
      entry.status = 502;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res
        .writeHead(502, { 'content-type': 'text/plain', [SERVED_BY_HEADER]: String(instance) })
        .end(`round-robin proxy: instance ${instance} (${target.origin}) failed: ${error.message}\n`);
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  };

  // `localhost` may resolve to either loopback address, so listen on both with one port.
  const v4 = createServer(handle);
  const port = await listen(v4, 0, '127.0.0.1');
  const servers: Server[] = [v4];
  const v6 = createServer(handle);
  try {
    await listen(v6, port, '::1');
    servers.push(v6);
  } catch {
    // No IPv6 loopback here: 127.0.0.1 alone is enough.
  }

  return {
    url: `http://localhost:${port}`,
    port,
    setTargets(list) {
      targets = list.map((t) => new URL(t));
      next.main = 0;
      next.separate = 0;
    },
    counts,
    log: () => entries,
    resetLog() {
      entries = [];
    },
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

function forwardableHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
