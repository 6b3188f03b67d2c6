/**
 * Captures the JSON lines the process writes (Powertools log lines, EMF metric lines, audit
 * events) so tests can check what is, and is not, logged. Anything that is not a JSON line (the
 * test runner's own output) passes through untouched.
 */
import type { TestContext } from 'node:test';

export type OutputRecord = Record<string, unknown>;

export class CapturedOutput {
  /** Every captured line, as written. */
  readonly lines: string[] = [];
  private readonly restores: (() => void)[] = [];

  constructor() {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
        if (typeof chunk === 'string' && chunk.startsWith('{')) {
          this.lines.push(...chunk.split('\n').filter((line) => line !== ''));
          return true;
        }
        return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      };
      stream.write = capture as typeof stream.write;
      this.restores.push(() => {
        stream.write = write;
      });
    }
  }

  get records(): OutputRecord[] {
    return this.lines.map((line) => JSON.parse(line) as OutputRecord);
  }

  /** The request lines of lib/http's wrappers. */
  get requests(): OutputRecord[] {
    return this.records.filter((record) => record.message === 'request');
  }

  get audits(): OutputRecord[] {
    return this.records.filter((record) => record.audit === true);
  }

  /** How often each metric was counted, with its dimensions: `SignIn{method=password,outcome=success}` -> 1. */
  get metrics(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const record of this.records) {
      const aws = record._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } | undefined;
      if (aws === undefined) continue;
      for (const directive of aws.CloudWatchMetrics) {
        const dimensions = (directive.Dimensions[0] ?? []).filter((name) => name !== 'service').map((name) => `${name}=${String(record[name])}`);
        for (const { Name } of directive.Metrics) {
          const key = dimensions.length === 0 ? Name : `${Name}{${dimensions.join(',')}}`;
          const value = record[Name];
          counts.set(key, (counts.get(key) ?? 0) + (Array.isArray(value) ? value.length : 1));
        }
      }
    }
    return counts;
  }

  restore(): void {
    for (const restore of this.restores.splice(0)) restore();
  }
}

/** Captures until the end of the test. */
export function captureOutput(t: TestContext): CapturedOutput {
  const output = new CapturedOutput();
  t.after(() => output.restore());
  return output;
}
