/**
 * A loopback HTTP proxy in front of DynamoDB Local that fails one chosen call on purpose.
 *
 * DynamoDB Local never throttles, never answers 5xx and never loses a response, so the code's
 * answers to those outages cannot be produced against it directly. Clients pointed at this
 * proxy (DYNAMODB_ENDPOINT) run the production SDK path unchanged; the proxy forwards every
 * request as is, counts calls per operation (the X-Amz-Target header), and at the chosen call
 * answers what an outage looks like on the wire instead.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const TARGET_PREFIX = 'DynamoDB_20120810.';

export type FaultKind =
  /** 400 ThrottlingException: the account's request rate is too high. */
  | 'throttling'
  /** 400 ProvisionedThroughputExceededException: the table's capacity is exhausted. */
  | 'throughput-exceeded'
  /** 500 InternalServerError. */
  | 'internal-error'
  /** 503 ServiceUnavailable. */
  | 'unavailable'
  /** No answer at all: the client gives up at its request timeout. */
  | 'hang'
  /** The connection is reset before anything is forwarded. */
  | 'drop'
  /**
   * The request is forwarded and DynamoDB applies it, then the connection is reset before the
   * answer reaches the client: a write that succeeded but looks failed (what an SDK retry of a
   * successful first attempt sees, and what a handler sees with retries off).
   */
  | 'forward-then-drop';

export const FAULT_KINDS: readonly FaultKind[] = ['throttling', 'throughput-exceeded', 'internal-error', 'unavailable', 'hang', 'drop', 'forward-then-drop'];

export interface Fault {
  kind: FaultKind;
  /** The n-th call (1-based, counted since the last reset) that the fault hits. */
  call: number;
  /** Count only this operation's calls (e.g. `TransactWriteItems`); every operation when omitted. */
  operation?: string;
}

export interface InjectedFault extends Fault {
  /** The operation the fault actually hit. */
  hit: string;
}

export interface DynamoDbFaultProxy {
  url: string;
  /** Calls per operation since start or the last reset, faulted ones included. */
  calls(): Record<string, number>;
  /** Operations in the order they arrived since start or the last reset. */
  sequence(): readonly string[];
  resetCalls(): void;
  /** Arms one fault (counted from now) or disarms; a fault fires once. */
  inject(fault: Fault | null): void;
  /** The fault that fired since it was armed, if any. */
  fired(): InjectedFault | undefined;
  close(): Promise<void>;
}

/** AWS JSON 1.0 error answers, shaped as DynamoDB sends them, so the SDK builds its typed exceptions. */
const ERROR_ANSWERS: Record<'throttling' | 'throughput-exceeded' | 'internal-error' | 'unavailable', { status: number; type: string; message: string }> = {
  throttling: { status: 400, type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
  'throughput-exceeded': {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  },
  'internal-error': { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
  unavailable: { status: 503, type: 'com.amazon.coral.availability#ServiceUnavailableException', message: 'Service unavailable' },
};

export async function startDynamoDbFaultProxy(upstream: string): Promise<DynamoDbFaultProxy> {
  const target = new URL(upstream);
  let counts: Record<string, number> = {};
  let order: string[] = [];
  let armed: { fault: Fault; seen: number } | undefined;
  let firedFault: InjectedFault | undefined;
  const sockets = new Set<Socket>();

  /** Counts the call and says whether it is the one the armed fault is for. */
  const faultFor = (operation: string): Fault | undefined => {
    counts[operation] = (counts[operation] ?? 0) + 1;
    order.push(operation);
    if (armed === undefined) return undefined;
    if (armed.fault.operation !== undefined && armed.fault.operation !== operation) return undefined;
    armed.seen += 1;
    if (armed.seen !== armed.fault.call) return undefined;
    const { fault } = armed;
    armed = undefined;
    firedFault = { ...fault, hit: operation };
    return fault;
  };

  const forward = (req: IncomingMessage, body: Buffer, onAnswer: (upstreamRes: IncomingMessage, answer: Buffer) => void, onError: () => void) => {
    const outgoing = httpRequest(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on('end', () => onAnswer(upstreamRes, Buffer.concat(chunks)));
        upstreamRes.on('error', onError);
      },
    );
    outgoing.on('error', onError);
    outgoing.end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers['x-amz-target'];
      const operation = typeof header === 'string' && header.startsWith(TARGET_PREFIX) ? header.slice(TARGET_PREFIX.length) : 'unknown';
      const fault = faultFor(operation);
      const dropConnection = () => req.socket.destroy();
      if (fault === undefined) {
        forward(req, body, (upstreamRes, answer) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          res.end(answer);
        }, dropConnection);
        return;
      }
      switch (fault.kind) {
        case 'hang':
          // Left unanswered; the client's timeout (or close()) ends the socket.
          return;
        case 'drop':
          dropConnection();
          return;
        case 'forward-then-drop':
          forward(req, body, dropConnection, dropConnection);
          return;
        default: {
          const answer = ERROR_ANSWERS[fault.kind];
          const payload = JSON.stringify({ __type: answer.type, message: answer.message });
          res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': answer.type.split('#')[1]!, 'content-length': Buffer.byteLength(payload) });
          res.end(payload);
        }
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => ({ ...counts }),
    sequence: () => [...order],
    resetCalls() {
      counts = {};
      order = [];
    },
    inject(fault) {
      armed = fault === null ? undefined : { fault, seen: 0 };
      firedFault = undefined;
    },
    fired: () => firedFault,
    close() {
      // Hung requests would otherwise keep close() waiting for ever.
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
