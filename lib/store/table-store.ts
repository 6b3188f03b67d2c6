import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';

export interface TableStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/** What every store over one DynamoDB table holds: the document client, the table and the clock that stamps its items. */
export abstract class TableStore {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly clock: Clock;

  constructor(options: TableStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
  }
}
