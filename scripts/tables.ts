/**
 * Creates the tables in DynamoDB Local from infra/tables.yml, the same definitions that deploy
 * to AWS, so the two can never drift apart.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load as parseYaml } from 'js-yaml';

export interface TableNames {
  keys: string;
  cache: string;
  directory: string;
}

interface TableResource {
  Properties: {
    TableName: string;
    KeySchema: CreateTableCommandInput['KeySchema'];
    AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
    TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
    GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  };
}

const logicalIds: Record<keyof TableNames, string> = { keys: 'KeysTable', cache: 'CacheTable', directory: 'DirectoryTable' };

export function readTableDefinitions(): Record<keyof TableNames, TableResource['Properties']> {
  const file = fileURLToPath(new URL('../infra/tables.yml', import.meta.url));
  const doc = parseYaml(readFileSync(file, 'utf8')) as { Resources: Record<string, TableResource> };
  const entries = Object.entries(logicalIds).map(([name, logicalId]) => {
    const resource = doc.Resources[logicalId];
    if (!resource) throw new Error(`infra/tables.yml has no ${logicalId}`);
    return [name, resource.Properties] as const;
  });
  return Object.fromEntries(entries) as Record<keyof TableNames, TableResource['Properties']>;
}

/**
 * Idempotent: existing tables keep their data (a restarted local stack) and only gain the
 * secondary indexes they lack, as a deployed table does on the next deploy.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const definitions = readTableDefinitions();
  for (const name of Object.keys(names) as (keyof TableNames)[]) {
    const definition = definitions[name];
    const tableName = names[name];
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: definition.KeySchema,
          AttributeDefinitions: definition.AttributeDefinitions,
          ...(definition.GlobalSecondaryIndexes !== undefined ? { GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes } : {}),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      await addMissingIndexes(client, tableName, definition);
      continue;
    }
    await waitForActive(client, tableName);
    if (definition.TimeToLiveSpecification?.Enabled) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: definition.TimeToLiveSpecification.AttributeName, Enabled: true },
        }),
      );
    }
  }
}

async function addMissingIndexes(client: DynamoDBClient, tableName: string, definition: TableResource['Properties']): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
    await waitForActive(client, tableName);
  }
}

/** DynamoDB Local backfills a new index on a busy machine in seconds; only a stuck table takes a minute. */
const ACTIVE_WAIT_ATTEMPTS = 600;

async function waitForActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < ACTIVE_WAIT_ATTEMPTS; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

export function localTableNames(prefix: string): TableNames {
  return { keys: `${prefix}-keys`, cache: `${prefix}-cache`, directory: `${prefix}-directory` };
}
