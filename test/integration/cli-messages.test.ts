/**
 * What the operator CLIs print when they cannot do their job: a stopped local stack, options npm
 * took for itself (a missing `--`), a wrong invocation. Each CLI runs as `npm run` runs it
 * (scripts/with-local-env.ts), in a process of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { isLocalStackDown, LOCAL_STACK_DOWN, optionsTakenByNpm } from '../../scripts/cli-errors.js';
import { freePort } from '../../scripts/dynamodb-local.js';
import { runCli } from '../support/run-cli.js';


/** Ports where nothing listens: a local stack that is not running. */
async function stoppedStack(): Promise<Record<string, string>> {
  return { PORT: String(await freePort()), LOCAL_DYNAMODB_PORT: String(await freePort()), LOCAL_KMS_PORT: String(await freePort()) };
}

describe('operator CLIs against a stopped local stack', () => {
  for (const [script, args] of [
    ['keys', ['list']],
    ['clients', ['list']],
    ['outbox', ['someone@example.com']],
  ] as const) {
    it(`npm run ${script} -- ${args.join(' ')} says to start the stack, without a stack trace`, async () => {
      const run = await runCli(script, [...args], await stoppedStack());
      assert.equal(run.code, 1);
      assert.equal(run.stderr.trim(), LOCAL_STACK_DOWN);
      assert.doesNotMatch(run.stderr + run.stdout, /ECONNREFUSED|\n\s+at /);
    });
  }
});

describe('operator CLI usage errors', () => {
  it('names the options npm took when `--` is missing, with the usage of that command only', async () => {
    // What `npm run clients add --id x --public` hands the script.
    const run = await runCli('clients', ['add', 'x'], { ...(await stoppedStack()), npm_lifecycle_event: 'clients', npm_config_id: 'true', npm_config_public: 'true' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /npm took --id, --public for itself/);
    assert.match(run.stderr, /npm run clients -- add --id/);
    assert.match(run.stderr, /usage:\n {2}clients add --id/);
    assert.doesNotMatch(run.stderr, /clients remove|clients list/);
  });

  it('prints the usage line of the command that failed, not the whole usage text', async () => {
    const run = await runCli('keys', ['revoke'], await stoppedStack());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^revoke needs exactly one key id\nusage:\n {2}keys revoke <keyId>/);
    assert.doesNotMatch(run.stderr, /keys list|keys rotate/);
  });

  it('prints every command when none was recognised', async () => {
    const run = await runCli('keys', ['frobnicate'], await stoppedStack());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    for (const command of ['keys list', 'keys rotate', 'keys revoke']) assert.ok(run.stderr.includes(command), command);
  });

  it('outbox without an address prints its usage', async () => {
    const run = await runCli('outbox', [], await stoppedStack());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^missing email\nusage:\n {2}outbox <email> \[count\]/);
  });
});

describe('what counts as a stopped local stack', () => {
  const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:8100`), { code: 'ECONNREFUSED', address, port: 8100 });

  it('an outage whose cause is a refused loopback connection, also inside an AggregateError', () => {
    assert.equal(isLocalStackDown(new DependencyUnavailableError('dynamodb', { cause: refused('127.0.0.1') })), true);
    assert.equal(isLocalStackDown(new DependencyUnavailableError('kms', { cause: new AggregateError([refused('::1'), refused('127.0.0.1')]) })), true);
  });

  it('not a refused connection elsewhere, another outage, or a bare refusal without the outage', () => {
    assert.equal(isLocalStackDown(new DependencyUnavailableError('dynamodb', { cause: refused('10.0.0.8') })), false);
    assert.equal(isLocalStackDown(new DependencyUnavailableError('dynamodb', { cause: new Error('ThrottlingException') })), false);
    assert.equal(isLocalStackDown(refused('127.0.0.1')), false);
  });

  it('npm only takes options when the CLI runs under npm', () => {
    assert.deepEqual(optionsTakenByNpm(['id', 'redirect-uri'], { npm_lifecycle_event: 'clients', npm_config_redirect_uri: 'true' }), ['--redirect-uri']);
    assert.deepEqual(optionsTakenByNpm(['id'], { npm_config_id: 'true' }), []);
  });
});
