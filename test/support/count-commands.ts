/**
 * Counts the commands an AWS SDK v3 client sends, by name (`Query`, `TransactWriteItems`,
 * `Decrypt`, ...), through a middleware on the client's own stack: what the code under test
 * really sent, not what a mock was told.
 */
type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

/** Any SDK v3 client (each client's stack is typed with its own input/output unions). */
interface MiddlewareClient {
  middlewareStack: { add(middleware: any, options: { step: 'initialize'; name: string }): void };
}

export interface CommandCounter {
  /** Calls per command name since creation or the last reset. */
  counts(): Record<string, number>;
  count(name: string): number;
  total(): number;
  reset(): void;
}

export function countCommands(client: MiddlewareClient): CommandCounter {
  let counts: Record<string, number> = {};
  const middleware: Middleware = (next, context) => async (args) => {
    const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
    // lib-dynamodb reports its own names (e.g. TransactWriteCommand): use the wire operation.
    const operation = DOCUMENT_CLIENT_OPERATIONS[name] ?? name;
    counts[operation] = (counts[operation] ?? 0) + 1;
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'initialize', name: `countCommands-${Math.random().toString(36).slice(2)}` });
  return {
    counts: () => ({ ...counts }),
    count: (name) => counts[name] ?? 0,
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
    reset: () => {
      counts = {};
    },
  };
}

const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
};
