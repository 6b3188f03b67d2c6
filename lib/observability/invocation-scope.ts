/**
 * What belongs to the invocation being served: its metrics until the flush, and where its request
 * came from (for audit events). In AsyncLocalStorage rather than module state, so requests that
 * overlap in one process (tests, the local stack) never mix their metrics or sources.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface MetricEntry {
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface InvocationScope {
  readonly metrics: MetricEntry[];
  /** The request's source for audit events (IPv4, or the IPv6 /64), computed only when asked. */
  readonly source: () => string | undefined;
}

const storage = new AsyncLocalStorage<InvocationScope>();

export function runInScope<T>(scope: InvocationScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

export function currentScope(): InvocationScope | undefined {
  return storage.getStore();
}
