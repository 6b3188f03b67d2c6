/**
 * What the tests that drive the real handlers in process (as Lambda calls them) set up first:
 * one test stack for the file, its environment set where the runtime getters read it, the
 * routes served by the functions' own handlers, and a reader of the mail outbox. Opened in a
 * `before` hook of the calling file and closed in its `after` hook.
 */
import { after, before } from 'node:test';
import type { RouteHandler } from './in-process-browser.js';
import { OutboxReader } from './outbox-reader.js';
import { startTestStack, type TestStack, type TestStackOptions } from './stack.js';

/** Route path -> the module under functions/ whose handler serves it, e.g. `{ '/login': 'login' }`. */
export type FunctionRoutes = Record<string, string>;

export interface HandlerStackOptions extends TestStackOptions {
  /**
   * The file's own set-up, once the stack is open and its environment set. It runs in the same
   * hook: Node 20 starts a file's top-level `before` hooks together, not one after another.
   */
  setUp?: (stack: TestStack) => Promise<void> | void;
}

export interface HandlerStack {
  /** The stack and the outbox exist once the `before` hook has run; reading them earlier throws. */
  readonly stack: TestStack;
  readonly outbox: OutboxReader;
  /** Filled by the `before` hook. */
  readonly routes: Record<string, RouteHandler>;
}

export function useHandlerStack(functions: FunctionRoutes, { setUp, ...options }: HandlerStackOptions = {}): HandlerStack {
  let stack: TestStack | undefined;
  let outbox: OutboxReader | undefined;
  const routes: Record<string, RouteHandler> = {};

  before(async () => {
    stack = await startTestStack(options);
    Object.assign(process.env, stack.env);
    for (const [path, name] of Object.entries(functions)) routes[path] = (await import(`../../functions/${name}.js`)).handler as RouteHandler;
    outbox = new OutboxReader(stack.config);
    await setUp?.(stack);
  });

  after(async () => {
    outbox?.close();
    await stack?.close();
  });

  return {
    get stack() {
      return opened(stack);
    },
    get outbox() {
      return opened(outbox);
    },
    routes,
  };
}

function opened<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('useHandlerStack: the stack opens in a before hook; use it in a test, or in the setUp option');
  return value;
}
