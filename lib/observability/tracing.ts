/**
 * AWS X-Ray tracing through the Powertools Tracer: optional, off by default, and then absent from
 * every bundle. `TRACING=on` at package or deploy time makes serverless.yml turn on Lambda's
 * active tracing, grant each role the X-Ray writes, and tell esbuild (a `define`) that
 * `process.env.IDENTITY_TRACING` is `"on"`; with the default `"off"` the condition below is a
 * constant false, esbuild drops the dynamic import with it, and the Tracer (with its X-Ray SDK)
 * is never bundled or loaded (test/unit/tracing-bundle.test.ts bundles a function both ways).
 *
 * Outside a bundle (tests, the CLIs) the variable is read at run time and is normally unset.
 */
const powertools = process.env.IDENTITY_TRACING === 'on' ? await import('./powertools-tracer.js') : undefined;

/** The client, with each of its calls traced as a subsegment when tracing is on. */
export function traceAwsClient<T extends object>(client: T): T {
  return powertools ? powertools.captureAwsClient(client) : client;
}

/** Runs one invocation in a subsegment of its own (annotated cold start, errors as metadata) when tracing is on. */
export function traceInvocation<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return powertools ? powertools.traceInvocation(name, fn) : fn();
}
