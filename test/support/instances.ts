/**
 * The setup shared by the test files that simulate instances on one local stack: the stack is
 * started before the file's (or suite's) tests and stopped after them, and every instance
 * started through it is closed then too.
 */
import { after, before } from 'node:test';
import type { Config } from '../../lib/config.js';
import { buildInstance, type Instance, type InstanceOptions } from './dataprotection-worker.js';
import { startTestStack, type TestStack } from './stack.js';

export interface InstanceStack extends Pick<TestStack, 'config' | 'env' | 'kms'> {
  /** A new instance on `config` (the stack's tables unless given), closed after the tests. */
  start(config?: Config, options?: InstanceOptions): Instance;
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
    start(config = started().config, options = {}) {
      const instance = buildInstance(config, options);
      instances.push(instance);
      return instance;
    },
  };
}
