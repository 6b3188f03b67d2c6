/**
 * The demo client the local stack seeds for the demo app (scripts/demo.ts), kept apart from the
 * seeding itself so that `npm start` and the demo read it without loading the AWS SDK.
 */
export const DEMO_PORT = 8080;

export const DEMO_CLIENT = {
  clientId: 'demo-app',
  redirectUris: [`http://localhost:${DEMO_PORT}/callback`],
  postLogoutRedirectUris: [`http://localhost:${DEMO_PORT}/`],
} as const;

/** The port the demo app serves on: DEMO_PORT, or 8080. */
export function demoPort(env: Record<string, string | undefined>): number {
  const port = Number(env.DEMO_PORT ?? DEMO_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`DEMO_PORT must be a port number, got "${env.DEMO_PORT}"`);
  return port;
}

/**
 * The demo client's redirects: 8080's, and DEMO_PORT's when it names another port. The
 * provider matches redirect URIs exactly, port included (it has no RFC 8252 any-port rule for
 * loopback), so a demo on another port needs its own registered.
 */
export function demoClientFor(env: Record<string, string | undefined>): { redirectUris: string[]; postLogoutRedirectUris: string[]; name: string; firstParty: boolean } {
  const port = demoPort(env);
  const ports = port === DEMO_PORT ? [DEMO_PORT] : [DEMO_PORT, port];
  return {
    redirectUris: ports.map((p) => `http://localhost:${p}/callback`),
    postLogoutRedirectUris: ports.map((p) => `http://localhost:${p}/`),
    name: 'Demo app',
    // The operator's own demo: it signs in without a consent page.
    firstParty: true,
  };
}
