import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { OutboxMailer } from '../../lib/store/outbox-mailer.js';
import { SesMailer } from '../../lib/store/ses-mailer.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { runCli } from '../support/run-cli.js';

describe('mail: TtlCache.append, OutboxMailer, outbox CLI', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;
  let cache: TtlCache;
  const cacheFor = () => new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
  const raw = async (pk: string) =>
    (await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk } }))).Item;

  before(async () => {
    stack = await startTestStack();
    cache = cacheFor();
  });
  after(() => stack.close());

  it('append starts a list, appends to it and moves the expiry', async () => {
    assert.deepEqual(await cache.append('list#1', 'items', ['a'], { ttlS: 60 }), ['a']);
    now += 30_000;
    assert.deepEqual(await cache.append('list#1', 'items', ['b', 'c'], { ttlS: 60 }), ['a', 'b', 'c']);
    const item = await cache.get<{ items: string[] }>('list#1');
    assert.deepEqual(item?.items, ['a', 'b', 'c']);
    assert.equal(item?.ttl, Math.floor(now / 1000) + 60);
  });

  it('append treats an expired list that DynamoDB still holds as absent', async () => {
    await cache.append('list#2', 'items', ['old'], { ttlS: 10 });
    now += 11_000;
    assert.ok(await raw('list#2'), 'still physically present');
    assert.deepEqual(await cache.append('list#2', 'items', ['new'], { ttlS: 10 }), ['new']);
    assert.deepEqual((await cache.get<{ items: string[] }>('list#2'))?.items, ['new']);
  });

  it('append keeps the last N entries', async () => {
    for (let i = 1; i <= 5; i++) await cache.append('list#3', 'items', [i], { ttlS: 60, keepLast: 3 });
    assert.deepEqual((await cache.get<{ items: number[] }>('list#3'))?.items, [3, 4, 5]);
    assert.deepEqual(await cache.append('list#3', 'items', [6, 7, 8, 9], { ttlS: 60, keepLast: 3 }), [7, 8, 9]);
    assert.deepEqual((await cache.get<{ items: number[] }>('list#3'))?.items, [7, 8, 9]);
  });

  it('append loses nothing under concurrency', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => cacheFor().append('list#4', 'items', [i], { ttlS: 60 })));
    const items = (await cache.get<{ items: number[] }>('list#4'))?.items ?? [];
    assert.deepEqual([...items].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('append refuses reserved fields', async () => {
    await assert.rejects(cache.append('list#5', 'ttl', [1], { ttlS: 60 }), /reserved/);
    await assert.rejects(cache.append('list#5', 'pk', [1], { ttlS: 60 }), /reserved/);
  });

  it('OutboxMailer stores messages per normalized address, newest first, and logs them', async () => {
    const lines: string[] = [];
    const outbox = new OutboxMailer({ cache, clock, log: (line) => lines.push(line) });
    await outbox.send({ to: 'Dev@Example.com', subject: 'first', text: 'code 111111' });
    now += 1000;
    await outbox.send({ to: 'dev@example.com', subject: 'second', text: 'line one\nline two' });
    const latest = await outbox.latest('DEV@example.com');
    assert.deepEqual(
      latest.map((m) => [m.subject, m.sentAt]),
      [
        ['second', new Date(now).toISOString()],
        ['first', new Date(now - 1000).toISOString()],
      ],
    );
    assert.equal(latest[1]?.text, 'code 111111');
    assert.deepEqual((await outbox.latest('dev@example.com', 1)).map((m) => m.subject), ['second']);
    assert.deepEqual(await outbox.latest('nobody@example.com'), []);
    assert.match(lines[0] ?? '', /^\[outbox\] to=Dev@Example\.com subject=first\n {4}code 111111$/);
    assert.match(lines[1] ?? '', /line one\n {4}line two/);
  });

  it('OutboxMailer keeps a bounded list for a day', async () => {
    const outbox = new OutboxMailer({ cache, clock, log: () => {} });
    for (let i = 0; i < 25; i++) await outbox.send({ to: 'many@example.com', subject: `m${i}`, text: '' });
    const item = await cache.get<{ messages: unknown[] }>('outbox#many@example.com');
    assert.equal(item?.messages.length, 20);
    assert.equal(item?.ttl, Math.floor(now / 1000) + 86_400);
    assert.equal((await outbox.latest('many@example.com', 100))[0]?.subject, 'm24');
    now += 86_400_000;
    assert.deepEqual(await outbox.latest('many@example.com'), []);
  });

  it('npm run outbox prints the latest message for an address', async () => {
    // The CLI runs on the system clock: write with it too.
    now = Date.now();
    const outbox = new OutboxMailer({ cache, clock, log: () => {} });
    await outbox.send({ to: 'cli@example.com', subject: 'Older', text: 'old text' });
    now += 1000;
    await outbox.send({ to: 'cli@example.com', subject: 'Your code', text: 'Your verification code is 424242' });
    const run = await outboxCli(['CLI@example.com', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Subject: Your code/);
    assert.match(run.stdout, /Your verification code is 424242/);
    assert.doesNotMatch(run.stdout, /Older/, 'count 1 shows only the newest');

    const none = await outboxCli(['nobody@example.com']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no messages for nobody@example\.com/);
    const usage = await outboxCli([]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage/);
  });

  const outboxCli = (args: string[]) => runCli('outbox', args, stack.env);
});

describe('SesMailer', () => {
  it('sends one plain-text SendEmail from the configured address', async () => {
    const sent: SendEmailCommand[] = [];
    const mailer = new SesMailer({ from: 'no-reply@id.example.com', client: { send: async (c) => void sent.push(c) } });
    await mailer.send({ to: 'u@example.com', subject: 'Hi', text: 'Body' });
    assert.equal(sent.length, 1);
    assert.ok(sent[0] instanceof SendEmailCommand);
    assert.deepEqual(sent[0]?.input, {
      FromEmailAddress: 'no-reply@id.example.com',
      Destination: { ToAddresses: ['u@example.com'] },
      Content: { Simple: { Subject: { Data: 'Hi', Charset: 'UTF-8' }, Body: { Text: { Data: 'Body', Charset: 'UTF-8' } } } },
    });
  });

  it('names the configuration set (bounce and complaint suppression) when one is configured', async () => {
    const sent: SendEmailCommand[] = [];
    const mailer = new SesMailer({ from: 'a@b.co', configurationSet: 'identity-prod', client: { send: async (c) => void sent.push(c) } });
    await mailer.send({ to: 'u@example.com', subject: 's', text: 't' });
    assert.equal(sent[0]?.input.ConfigurationSetName, 'identity-prod');
  });

  it('lets SES failures reach the caller', async () => {
    const mailer = new SesMailer({ from: 'a@b.co', client: { send: async () => Promise.reject(new Error('throttled')) } });
    await assert.rejects(mailer.send({ to: 'u@example.com', subject: 's', text: 't' }), /throttled/);
  });
});
