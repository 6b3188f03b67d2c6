/**
 * The setup shared by the test files that simulate instances on one local stack: the stack is
 * started before the file's (or suite's) tests and stopped after them, and every instance
 * started through it is closed then too.
 */
import { after, before } from 'node:test';
import type { Clock } from '../../lib/clock.js';
import type { Config } from '../../lib/config.js';
import { buildInstance, withFreshTables, type Instance, type InstanceOptions } from './dataprotection-worker.js';
import { startTestStack, type TestStack } from './stack.js';

export interface InstanceStack extends Pick<TestStack, 'config' | 'env' | 'kms'> {
  /** A new instance on `config` (the stack's tables unless given), closed after the tests. */
  start(config?: Config, options?: InstanceOptions): Instance;
  /** A key ring of its own (fresh tables) and a clock the test drives, from `startTime`. */
  isolatedRing(startTime: number): Promise<IsolatedRing>;
}

export interface IsolatedRing {
  config: Config;
  /** The ring's clock reads `time.now`; tests move it forward. */
  time: { now: number };
  clock: Clock;
  /** A new cold instance on the ring's tables (or on `config`) with the ring's clock. */
  start(config?: Config): Instance;
}

/**
 * Registers the before/after hooks where it is called (top level or inside a describe). The
 * stack's fields may be read inside tests and hooks once it has started; not in another
 * top-level before(), which Node 20 may start while this one is still running.
 */
export function useInstanceStack(): InstanceStack {
  let stack: TestStack | undefined;
  const instances: Instance[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    for (const instance of instances) instance.close();
    await stack?.close();
  });
  const started = (): TestStack => {
    if (stack === undefined) throw new Error('the test stack is used before its before() hook ran');
    return stack;
  };
  const start = (config = started().config, options: InstanceOptions = {}): Instance => {
    const instance = buildInstance(config, options);
    instances.push(instance);
    return instance;
  };
  return {
    get config() {
      return started().config;
    },
    get env() {
      return started().env;
    },
    get kms() {
      return started().kms;
    },
    start,
    async isolatedRing(startTime) {
      const config = await withFreshTables(started().config);
      const time = { now: startTime };
      const clock = () => time.now;
      return { config, time, clock, start: (cfg = config) => start(cfg, { clock }) };
    },
  };
}
