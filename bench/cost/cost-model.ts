/**
 * The arithmetic of `npm run cost`, pure: what one request uses (measured by bench/flow-calls.ts)
 * times the list prices (aws-prices.ts) gives its cost per AWS service; requests add up to
 * operations (a sign-in, a refresh), operations times a usage profile to a monthly active user.
 */
import type { AwsPrices } from './aws-prices.js';

export const SERVICES = [
  'lambdaCompute',
  'lambdaRequests',
  'httpApi',
  'dynamodbReads',
  'dynamodbWrites',
  'kms',
  'ses',
  'cloudwatchLogs',
  'dataTransferOut',
] as const;
export type Service = (typeof SERVICES)[number];
export type ServiceCosts = Record<Service, number>;

export const SERVICE_LABELS: Record<Service, string> = {
  lambdaCompute: 'Lambda GB-s',
  lambdaRequests: 'Lambda requests',
  httpApi: 'HTTP API',
  dynamodbReads: 'DynamoDB reads',
  dynamodbWrites: 'DynamoDB writes',
  kms: 'KMS',
  ses: 'SES',
  cloudwatchLogs: 'CloudWatch Logs',
  dataTransferOut: 'Data out',
};

/** What one HTTP request to one function uses. */
export interface RequestUsage {
  memoryMb: number;
  billedMs: number;
  readUnits: number;
  writeUnits: number;
  kmsRequests: number;
  mails: number;
  logBytes: number;
  responseBytes: number;
}

const GB = 1024 ** 3;

/**
 * Lambda bills the configured memory for the whole duration, in whole milliseconds. Measured on a
 * full core, CPU work stretches on Lambda's share of one (memory / fullVcpuMb); waiting for
 * DynamoDB does not.
 */
export function lambdaBilledMs(measured: { cpuMs: number; waitMs: number }, memoryMb: number, fullVcpuMb: number): number {
  const cpuShare = Math.min(1, memoryMb / fullVcpuMb);
  return Math.ceil(measured.cpuMs / cpuShare + Math.max(0, measured.waitMs));
}

/**
 * The three lines Lambda itself writes per invocation in its text log format (START, END, REPORT:
 * https://docs.aws.amazon.com/lambda/latest/dg/ruby-logging.html), with their newlines.
 */
export function platformLogBytes(billedMs: number, memoryMb: number): number {
  const requestId = '8f507cfc-0000-4697-b07a-ac58fc914c95';
  // "Max Memory Used" is at most the memory size: written as the memory size, it has as many digits.
  const duration = `${(billedMs - 0.5).toFixed(2)} ms`;
  const lines = [
    `START RequestId: ${requestId} Version: $LATEST`,
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: ${duration}\tBilled Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${memoryMb} MB\t`,
  ];
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
}

export function noCost(): ServiceCosts {
  return Object.fromEntries(SERVICES.map((service) => [service, 0])) as ServiceCosts;
}

/** One request, priced (free tiers ignored). */
export function requestCost(usage: RequestUsage, prices: AwsPrices): ServiceCosts {
  return {
    lambdaCompute: (usage.memoryMb / 1024) * (usage.billedMs / 1000) * prices.lambdaArmGbSecond.usd,
    lambdaRequests: prices.lambdaRequest.usd,
    httpApi: prices.httpApiRequest.usd,
    dynamodbReads: usage.readUnits * prices.dynamodbReadRequestUnit.usd,
    dynamodbWrites: usage.writeUnits * prices.dynamodbWriteRequestUnit.usd,
    kms: usage.kmsRequests * prices.kmsRequest.usd,
    ses: usage.mails * prices.sesEmail.usd,
    cloudwatchLogs: (usage.logBytes / GB) * prices.cloudwatchLogsIngestionGb.usd,
    dataTransferOut: (usage.responseBytes / GB) * prices.dataTransferOutGb.usd,
  };
}

/** `sum + part × times`, service by service. */
export function addCosts(sum: ServiceCosts, part: ServiceCosts, times = 1): ServiceCosts {
  return Object.fromEntries(SERVICES.map((service) => [service, sum[service] + part[service] * times])) as ServiceCosts;
}

export function totalCost(costs: ServiceCosts): number {
  return SERVICES.reduce((sum, service) => sum + costs[service], 0);
}

/** The service that costs most, and its share of the total. */
export function dominantService(costs: ServiceCosts): { service: Service; share: number } {
  const service = SERVICES.reduce((top, candidate) => (costs[candidate] > costs[top] ? candidate : top));
  const sum = totalCost(costs);
  return { service, share: sum === 0 ? 0 : costs[service] / sum };
}

/** An operation (a sign-in, a refresh) is the requests it takes, in order. */
export function operationCost(requests: readonly RequestUsage[], prices: AwsPrices): ServiceCosts {
  return requests.reduce((sum, usage) => addCosts(sum, requestCost(usage, prices)), noCost());
}

/** A monthly active user: each operation's cost times how often the profile does it in a month. */
export function perUserCost<Operation extends string>(profile: Record<Operation, number>, operations: Record<Operation, ServiceCosts>): ServiceCosts {
  return (Object.keys(profile) as Operation[]).reduce((sum, name) => addCosts(sum, operations[name], profile[name]), noCost());
}
