/**
 * Key rings in the DynamoDB `keys` table.
 *
 *   pk = ring#<ring>, sk = key#<keyId>                  one key record
 *   pk = ring#<ring>, sk = lease#<leaseId>              won by whoever created the key after a ring state
 *   pk = ring#<ring>, sk = revocation#<createdBefore>   "every key created before" (ASP.NET's revocation element)
 *
 * One Query on pk loads a whole ring. Keys are never deleted: deleting a key destroys every
 * payload it protected. Revocation only ever adds `revokedAt`.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { applyRevocations, type KeyRecord, type PublicJwk, type RingRevocation } from '../keyring/key-ring-policy.js';
import type { KeyRingRepository, LoadOptions } from '../keyring/key-ring-repository.js';

export interface DynamoDbKeyRingRepositoryOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const KEY_PREFIX = 'key#';
const LEASE_PREFIX = 'lease#';
const REVOCATION_PREFIX = 'revocation#';

export class DynamoDbKeyRingRepository implements KeyRingRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbKeyRingRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async load(ring: string, options: LoadOptions = {}): Promise<KeyRecord[]> {
    const keys: KeyRecord[] = [];
    const revocations: RingRevocation[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ringPk(ring) },
          ConsistentRead: options.consistent === true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = String(item['sk']);
        if (sk.startsWith(KEY_PREFIX)) keys.push(toRecord(item));
        else if (sk.startsWith(REVOCATION_PREFIX)) revocations.push(toRevocation(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return applyRevocations(keys, revocations);
  }

  async create(ring: string, record: KeyRecord, leaseId: string): Promise<boolean> {
    const pk = ringPk(ring);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: `${LEASE_PREFIX}${leaseId}`, keyId: record.keyId, createdAt: record.createdAt.toISOString() },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: `${KEY_PREFIX}${record.keyId}`, ...toItem(record) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }

  async revoke(ring: string, keyId: string, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ringPk(ring), sk: `${KEY_PREFIX}${keyId}` },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async revokeCreatedBefore(ring: string, createdBefore: Date, at: Date): Promise<void> {
    // A date in the future would revoke every key as soon as it is created.
    if (createdBefore.getTime() > at.getTime()) throw new RangeError('createdBefore must not be later than the revocation time');
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: ringPk(ring), sk: `${REVOCATION_PREFIX}${createdBefore.toISOString()}` },
        UpdateExpression: 'SET createdBefore = :before, revokedAt = if_not_exists(revokedAt, :at)',
        ExpressionAttributeValues: { ':before': createdBefore.toISOString(), ':at': at.toISOString() },
      }),
    );
  }
}

function ringPk(ring: string): string {
  return `ring#${ring}`;
}

/**
 * The lease (or, absurdly, the key id) already exists. A TransactionConflict means another
 * creator's transaction was in flight on the same items: also a lost round, the caller
 * re-reads and tries again if nobody ended up winning.
 */
function lostRace(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  return codes.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict');
}

function toItem(record: KeyRecord): Record<string, unknown> {
  return {
    keyId: record.keyId,
    generation: record.generation,
    createdAt: record.createdAt.toISOString(),
    activatesAt: record.activatesAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    ...(record.revokedAt !== undefined && { revokedAt: record.revokedAt.toISOString() }),
    wrapped: record.wrapped,
    wrappedBy: record.wrappedBy,
    alg: record.alg,
    ...(record.publicJwk !== undefined && { publicJwk: { ...record.publicJwk } }),
  };
}

function toRecord(item: Record<string, unknown>): KeyRecord {
  const record: KeyRecord = {
    keyId: String(item['keyId']),
    generation: Number(item['generation']),
    createdAt: date(item['createdAt']),
    activatesAt: date(item['activatesAt']),
    expiresAt: date(item['expiresAt']),
    wrapped: item['wrapped'] as Uint8Array,
    wrappedBy: String(item['wrappedBy']),
    alg: String(item['alg']),
  };
  if (item['revokedAt'] !== undefined) record.revokedAt = date(item['revokedAt']);
  const jwk = item['publicJwk'] as Record<string, unknown> | undefined;
  if (jwk !== undefined) record.publicJwk = toPublicJwk(jwk);
  return record;
}

function toPublicJwk(jwk: Record<string, unknown>): PublicJwk {
  if (jwk['kty'] === 'RSA') return { kty: 'RSA', n: String(jwk['n']), e: String(jwk['e']) };
  if (jwk['kty'] === 'EC') return { kty: 'EC', crv: String(jwk['crv']), x: String(jwk['x']), y: String(jwk['y']) };
  throw new Error('key ring item has a public key of unknown type');
}

function toRevocation(item: Record<string, unknown>): RingRevocation {
  return { createdBefore: date(item['createdBefore']), revokedAt: date(item['revokedAt']) };
}

function date(value: unknown): Date {
  const parsed = new Date(String(value));
  if (Number.isNaN(parsed.getTime())) throw new Error('key ring item has an invalid date');
  return parsed;
}
