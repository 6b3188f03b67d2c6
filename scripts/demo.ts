/**
 * `npm run demo`: the demo relying party (scripts/demo-app.ts) on http://localhost:8080, or
 * DEMO_PORT, signing in with the identity server at ISSUER (the local stack's by default, which
 * `npm start` must be running). Against the local stack it first makes sure the demo client has
 * this port's redirect URIs (the seed registers 8080's; the provider matches ports exactly).
 */
import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import { DEMO_CLIENT, demoPort } from './demo-client.js';
import { describeCliError } from './cli-errors.js';
import { createDemoApp } from './demo-app.js';
import { targetsLocalStack } from './local-env.js';
import { runIfMain } from './run-as-main.js';

async function main(): Promise<void> {
  const port = demoPort(process.env);
  const issuer = process.env.ISSUER ?? 'http://localhost:3000';
  const baseUrl = `http://localhost:${port}`;
  if (targetsLocalStack()) {
    // Loaded only here: the AWS SDK is needed for this one write, not to serve the demo.
    const { seedDemoClient } = await import('./seed.js');
    await seedDemoClient(process.env as Record<string, string>);
  }
  const config = await discover(issuer);
  const server = createServer(createDemoApp({ config, baseUrl }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is taken: stop what holds it or set DEMO_PORT (the seed registers that port's redirect too)`) : error),
    );
    server.listen(port, 'localhost', resolve);
  });
  console.log(`Demo app (client ${DEMO_CLIENT.clientId}) on ${baseUrl}/ signing in at ${issuer}. Ctrl-C stops it.`);
  process.on('SIGINT', () => server.close(() => process.exit(0)));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function discover(issuer: string): Promise<oidc.Configuration> {
  try {
    // http:// only for a loopback issuer (the local stack); anything else must be https.
    const insecure = new URL(issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
    return await oidc.discovery(new URL(issuer), DEMO_CLIENT.clientId, undefined, oidc.None(), insecure);
  } catch (error) {
    throw new Error(`no identity server answers at ${issuer} (${error instanceof Error ? error.message : String(error)}): start it with \`npm start\``);
  }
}

runIfMain(import.meta.url, main, { describe: describeCliError });
