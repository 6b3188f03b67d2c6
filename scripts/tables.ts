/**
 * Creates the tables in DynamoDB Local from infra/tables.yml, the same definitions that deploy
 * to AWS, so the two can never drift apart.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
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

/** Idempotent: existing tables are left as they are (a restarted local stack keeps its data). */
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
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
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

async function waitForActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

export function localTableNames(prefix: string): TableNames {
  return { keys: `${prefix}-keys`, cache: `${prefix}-cache`, directory: `${prefix}-directory` };
}
