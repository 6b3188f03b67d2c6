/**
 * One multi-instance cluster for every end-to-end file of a run. Starting three `osls offline`
 * instances costs tens of seconds of both cores; each e2e file starting its own multiplied
 * that by the number of files. So `npm test` (scripts/test.ts) starts one cluster before the
 * e2e files, runs those files one at a time against it (so one file's traffic never shifts the
 * round-robin rotation another file asserts on), and hands its description to each file's
 * process in the environment. A file gets it with `e2eCluster()` and never closes it.
 *
 * Files share the cluster's tables: each file creates its own users (random addresses) and
 * clients (ids of its own), so they never see each other's data. Settings a file needs go into
 * E2E_CLUSTER_ENV, the one environment every instance runs with.
 */
import { loadConfig } from '../../lib/config.js';
import { startOfflineCluster, type OfflineCluster } from './offline-cluster.js';
import { PROXY_LOG_PATH, PROXY_RESET_PATH, type ProxiedRequest } from './round-robin-proxy.js';
import type { TestStack } from './stack.js';

/** Set by scripts/test.ts for the e2e files' processes: the cluster's description, as JSON. */
export const E2E_CLUSTER_VARIABLE = 'TEST_E2E_CLUSTER';

/**
 * What every instance runs with, beyond the test stack's environment. Each entry says which
 * file needs it.
 */
export const E2E_CLUSTER_ENV: Readonly<Record<string, string>> = {
  // oidc-openid-client.test.ts waits for a code to expire; the other files exchange codes at once.
  AUTHORIZATION_CODE_TTL_S: '4',
  // client-registration-openid-client.test.ts registers clients with an initial access token.
  REGISTRATION_MODE: 'token',
  // account-across-instances.test.ts registers an address again right after the account left it
  // (deleted, or moved to another address): the new registration's code must not wait out a
  // minute-long resend gate of the first one.
  OTP_RESEND_AFTER_S: '2',
};

/** The cluster as a file sees it; the proxy's log is read over HTTP (it lives in the runner). */
export interface E2eCluster extends Pick<OfflineCluster, 'instanceUrls' | 'pids' | 'proxyUrl' | 'env' | 'config' | 'logFiles' | 'startupMs'> {
  dynamodbEndpoint: string;
  proxy: {
    /** Every request since the last reset, oldest first. */
    log(): Promise<readonly ProxiedRequest[]>;
    /** Requests per instance index since the last reset. */
    counts(): Promise<number[]>;
    resetLog(): Promise<void>;
  };
}

type Description = Omit<E2eCluster, 'proxy' | 'config'>;

/** For scripts/test.ts: start the shared cluster on the run's stack. */
export async function startSharedE2eCluster(stack: TestStack): Promise<{ cluster: OfflineCluster; variables: Record<string, string> }> {
  const cluster = await startOfflineCluster({ stack, instances: 3, env: { ...E2E_CLUSTER_ENV } });
  const description: Description = {
    instanceUrls: cluster.instanceUrls,
    pids: cluster.pids,
    proxyUrl: cluster.proxyUrl,
    env: cluster.env,
    logFiles: cluster.logFiles,
    startupMs: cluster.startupMs,
    dynamodbEndpoint: stack.dynamodbEndpoint,
  };
  return { cluster, variables: { [E2E_CLUSTER_VARIABLE]: JSON.stringify(description) } };
}

/** The run's shared cluster, with the proxy's log reset for this file. */
export async function e2eCluster(): Promise<E2eCluster> {
  const raw = process.env[E2E_CLUSTER_VARIABLE];
  if (!raw) throw new Error(`end-to-end files run against the cluster npm test starts: run \`npm test -- ${process.argv[1] ?? '<file>'}\``);
  const description = JSON.parse(raw) as Description;
  const cluster: E2eCluster = { ...description, config: loadConfig(description.env), proxy: remoteProxy(description.proxyUrl) };
  await cluster.proxy.resetLog();
  return cluster;
}

function remoteProxy(proxyUrl: string): E2eCluster['proxy'] {
  const read = async () => {
    const response = await fetch(new URL(PROXY_LOG_PATH, proxyUrl));
    return (await response.json()) as { entries: ProxiedRequest[]; counts: number[] };
  };
  return {
    log: async () => (await read()).entries,
    counts: async () => (await read()).counts,
    resetLog: async () => {
      await fetch(new URL(PROXY_RESET_PATH, proxyUrl), { method: 'POST' });
    },
  };
}
