import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Which sort keys of the partition a query reads. */
export type SortKeyRange = { prefix: string } | { from: string; to: string };

/**
 * Every item of one partition whose sort key is in `range` (starts with a prefix, or lies between
 * two keys, both included), strongly consistent (what one instance wrote, the next one lists),
 * over as many pages as DynamoDB answers: a page stops at 1 MB, so a single Query could silently
 * drop a long list's tail.
 */
export async function queryPartition(client: DynamoDBDocumentClient, tableName: string, pk: string, range: SortKeyRange): Promise<Record<string, unknown>[]> {
  const sortKeyCondition =
    'prefix' in range
      ? { expression: 'begins_with(sk, :prefix)', values: { ':prefix': range.prefix } }
      : { expression: 'sk BETWEEN :from AND :to', values: { ':from': range.from, ':to': range.to } };
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: `pk = :pk AND ${sortKeyCondition.expression}`,
        ExpressionAttributeValues: { ':pk': pk, ...sortKeyCondition.values },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Every item of one partition whose sort key starts with `sortKeyPrefix` (see queryPartition). */
export function queryPartitionPrefix(client: DynamoDBDocumentClient, tableName: string, pk: string, sortKeyPrefix: string): Promise<Record<string, unknown>[]> {
  return queryPartition(client, tableName, pk, { prefix: sortKeyPrefix });
}
