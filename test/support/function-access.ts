/**
 * infra/function-access.yml, typed: what each function may call in AWS. The bundle test checks
 * it against the AWS clients each bundle loads; the package test checks every role against it.
 */
import { readFileSync } from 'node:fs';
import { load as parseYaml } from 'js-yaml';

/** The tables, and the cache table's owner index (IAM grants on an index separately). */
export const TABLES = ['keys', 'cache', 'directory', 'cacheOwnerIndex'] as const;
export type Table = (typeof TABLES)[number];

export interface FunctionAccess {
  /** DynamoDB actions per table, without the `dynamodb:` prefix. */
  dynamodb?: Partial<Record<Table, string[]>>;
  /** KMS actions on the wrapping key, without the `kms:` prefix. */
  kms?: string[];
  /** SES actions on the mail identity, without the `ses:` prefix. */
  ses?: string[];
}

/** The AWS SDK v3 client package each service's calls need. */
const CLIENTS = { dynamodb: 'client-dynamodb', kms: 'client-kms', ses: 'client-sesv2' } as const;

export function readFunctionAccess(path = 'infra/function-access.yml'): Record<string, FunctionAccess> {
  return parseYaml(readFileSync(path, 'utf8')) as Record<string, FunctionAccess>;
}

/** The clients a function with this access bundles, sorted: one per service it calls. */
export function sdkClientsFor(access: FunctionAccess): string[] {
  return (Object.keys(CLIENTS) as (keyof typeof CLIENTS)[]).filter((service) => access[service] !== undefined).map((service) => CLIENTS[service]).sort();
}
