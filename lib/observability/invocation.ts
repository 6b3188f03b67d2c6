/**
 * The frame around one invocation (lib/http's wrappers, the scheduled rotation): runs it in its
 * own scope (and its own trace subsegment, `name`, when tracing is built in) and publishes its
 * metrics once, at the end, whether it succeeded or threw.
 */
import { runInScope } from './invocation-scope.js';
import { publishMetrics } from './metrics.js';
import { traceInvocation } from './tracing.js';

export async function observeInvocation<T>(name: string, source: () => string | undefined, fn: () => Promise<T>): Promise<T> {
  const scope = { metrics: [], source };
  try {
    return await traceInvocation(name, () => runInScope(scope, fn));
  } finally {
    if (scope.metrics.length > 0) publishMetrics(scope.metrics);
  }
}
