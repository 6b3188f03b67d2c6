/** What `npm start` seeds besides the demo client: the first key of each ring, once. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATA_PROTECTION_RING } from '../../lib/dataprotection/master-key.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { SIGNING_RING, SIGNING_RINGS } from '../../lib/signing/signing-key-policy.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { seedKeys } from '../../scripts/seed.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack.close());

describe('local seed: first keys', () => {
  it('creates the first key of each ring (and a published successor for the signing key) on an empty table, and nothing when run again', async () => {
    const repository = new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: stack.config.tables.keys });
    assert.deepEqual(await new SigningKeyPublisher({ config: stack.config, repository }).publishedKeys(), []);

    const first = await seedKeys(stack.env);
    assert.deepEqual(first.map((r) => [r.ring, r.action]), [
      [DATA_PROTECTION_RING, 'created-immediate'],
      [SIGNING_RING, 'created-immediate'],
      [SIGNING_RINGS.RS256, 'created-immediate'],
    ]);
    const signingKeyId = first[1]!.successor?.keyId;
    const signingKeyIds = first[1]!.created.map((key) => key.keyId);
    assert.equal(signingKeyIds[0], signingKeyId);
    const rsaKeyIds = first[2]!.created.map((key) => key.keyId);
    const published = await new SigningKeyPublisher({ config: stack.config, repository }).publishedKeys();
    assert.deepEqual(published.map((k) => k.kid).sort(), [...signingKeyIds, ...rsaKeyIds].sort(), 'each signing key and its successor, ES256 and RS256');

    const again = await seedKeys(stack.env);
    assert.deepEqual(again.map((r) => [r.ring, r.action, r.currentKeyId]), [
      [DATA_PROTECTION_RING, 'none', first[0]!.successor?.keyId],
      [SIGNING_RING, 'none', signingKeyId],
      [SIGNING_RINGS.RS256, 'none', first[2]!.successor?.keyId],
    ]);
    assert.equal((await repository.load(DATA_PROTECTION_RING, { consistent: true })).length, 1);
    assert.equal((await repository.load(SIGNING_RING, { consistent: true })).length, 2);
  });
});
