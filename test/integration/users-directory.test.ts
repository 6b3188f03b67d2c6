import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { EmailTakenError, InvalidEmailError } from '../../lib/auth/user-store.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('UserDirectory on DynamoDB Local', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;
  let users: UserDirectory;
  const directoryFor = () => new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });

  before(async () => {
    stack = await startTestStack();
    users = directoryFor();
  });
  after(() => stack.close());

  it('creates a user and finds it by id and by any spelling of its address', async () => {
    const created = await users.create({ email: ' Ada@Example.com ', name: 'Ada', passwordHash: 'h1', emailVerified: true });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.email, 'ada@example.com');
    assert.equal(created.createdAt, new Date(now).toISOString());
    assert.deepEqual(await users.findById(created.id), created);
    assert.deepEqual(await users.findByEmail('ADA@example.COM'), created);
    assert.equal(await users.isEmailTaken('ada@EXAMPLE.com'), true);
    assert.equal(await users.findByEmail('nobody@example.com'), undefined);
    assert.equal(await users.isEmailTaken('nobody@example.com'), false);
    assert.equal(await users.findById('00000000-0000-0000-0000-000000000000'), undefined);
  });

  it('treats A@Example.com and a@example.com as one address', async () => {
    await users.create({ email: 'A@Example.com', name: 'First', emailVerified: false });
    await assert.rejects(users.create({ email: 'a@example.com', name: 'Second', emailVerified: false }), EmailTakenError);
    assert.equal((await users.findByEmail('a@example.com'))?.name, 'First');
  });

  it('creates exactly one user when 10 instances register one address at once', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => directoryFor().create({ email: i % 2 ? 'Race@Example.com' : 'race@example.com', name: `r${i}`, emailVerified: true })),
    );
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(created.length, 1, JSON.stringify(refused.map((r) => (r as PromiseRejectedResult).reason?.name)));
    for (const r of refused) assert.ok((r as PromiseRejectedResult).reason instanceof EmailTakenError);
    const winner = (created[0] as PromiseFulfilledResult<{ id: string }>).value;
    assert.equal((await users.findByEmail('race@example.com'))?.id, winner.id);
  });

  it('refuses an address normalizeEmail rejects, writing nothing', async () => {
    await assert.rejects(users.create({ email: 'not-an-address', name: 'x', emailVerified: false }), InvalidEmailError);
  });

  it('updates the password hash of an existing user only', async () => {
    const user = await users.create({ email: 'hash@example.com', name: 'H', passwordHash: 'old', emailVerified: true });
    now += 1000;
    await users.updatePasswordHash(user.id, 'new');
    assert.equal((await users.findById(user.id))?.passwordHash, 'new');
    const raw = await stack.documentClient().send(
      new GetCommand({ TableName: stack.config.tables.directory, Key: { pk: `user#${user.id}`, sk: 'user' } }),
    );
    assert.equal(raw.Item?.passwordUpdatedAt, new Date(now).toISOString());
    await assert.rejects(users.updatePasswordHash('missing-id', 'x'));
    assert.equal(await users.findById('missing-id'), undefined, 'no half item was created');
  });

  it('keeps a user without password hash without the attribute', async () => {
    const user = await users.create({ email: 'nopw@example.com', name: 'N', emailVerified: false });
    const found = await users.findById(user.id);
    assert.equal(found?.passwordHash, undefined);
    assert.equal('passwordHash' in (found ?? {}), false);
    assert.equal(found?.emailVerified, false);
  });
});
