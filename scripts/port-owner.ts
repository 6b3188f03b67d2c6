/**
 * Who holds a port, for the message `npm start` gives instead of a bind error from deep inside
 * Java or hapi: a running identity server is recognised by its discovery document, any other
 * listener by the process `ss` names (when the system lets us see it).
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { PORT_NAMES, PORT_VARIABLES, type LocalPorts } from './local-ports.js';

/** True when something accepts connections on the loopback port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** The issuer of an identity server answering on the port, if that is what listens there. */
export async function identityServerOn(port: number): Promise<string | undefined> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) });
    if (!answer.ok) return undefined;
    const document = (await answer.json()) as { issuer?: unknown; jwks_uri?: unknown };
    return typeof document.issuer === 'string' && typeof document.jwks_uri === 'string' ? document.issuer : undefined;
  } catch {
    return undefined;
  }
}

/** "java (pid 1234)" from `ss`, or undefined when ss is missing or may not show the process. */
export function processListeningOn(port: number): string | undefined {
  const ss = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', timeout: 2000 });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout ?? '');
  return match ? `${match[1]} (pid ${match[2]})` : undefined;
}

/**
 * One line per port of `ports` that something else holds, saying what holds it and which
 * variable moves it. A running identity server on the web port is reported alone: the other
 * ports are then most likely its own.
 */
export async function portConflicts(ports: LocalPorts): Promise<string[]> {
  const issuer = await identityServerOn(ports.web);
  if (issuer !== undefined) {
    return [`a stack is already running on ${ports.web} (issuer ${issuer}): stop it or set PORT (e.g. PORT=${ports.web + 1000} npm start)`];
  }
  const names = Object.keys(ports) as (keyof LocalPorts)[];
  const taken = await Promise.all(names.map(async (name) => ((await isListening(ports[name])) ? name : undefined)));
  return taken.filter((name) => name !== undefined).map((name) => portTakenMessage(name, ports[name]));
}

export function portTakenMessage(name: keyof LocalPorts, port: number): string {
  const holder = processListeningOn(port) ?? 'another program';
  const variable = PORT_VARIABLES[name];
  const move = variable === 'PORT' ? 'set PORT' : `set ${variable} (or PORT, which moves every port)`;
  return `port ${port} (${PORT_NAMES[name]}) is taken by ${holder}: stop it or ${move}`;
}
