/**
 * AWS list prices for us-east-1 (US East, N. Virginia), USD, in one place, each with the page it
 * was read from and when. There is no internet where this was written: every figure was found in
 * the stored public pages the project's search tool reaches. AWS's own pricing pages render their
 * rate tables client-side, so most rates come from pages that transcribe them; `source` names the
 * page the number was actually read on, never a page that did not show it.
 *
 * The cost model ignores free tiers (they are listed here, per price, so that a small deployment
 * can subtract them) and volume tiers beyond the first: both only lower the bill.
 *
 * Update: read the current figure, change `usd`, `source` and `retrieved` together.
 */
export interface ListPrice {
  /** USD per one `unit`. */
  usd: number;
  unit: string;
  /** Where the figure was read (URL as found in the stored pages). */
  source: string;
  /** When it was read (YYYY-MM-DD). */
  retrieved: string;
  freeTier?: string;
  note?: string;
}

const RETRIEVED = '2026-12-01';

export const AWS_PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second, arm64 (first 7.5 billion GB-s a month)',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    retrieved: RETRIEVED,
    freeTier: '400,000 GB-s a month',
    note: 'Duration is billed per 1 ms, rounded up, for the configured memory (aws.amazon.com/lambda/pricing, "rounded up to the nearest 1 ms").',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request ($0.20 per million, arm64 and x86)',
    source: 'https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md?display=rendered',
    retrieved: RETRIEVED,
    freeTier: '1 million requests a month',
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    unit: 'HTTP API request ($1.00 per million, first 300 million a month; metered in 512 KB increments)',
    source: 'https://docs.aws.amazon.com/pt_br/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
    retrieved: RETRIEVED,
    freeTier: '1 million calls a month, first 12 months only',
  },
  dynamodbReadRequestUnit: {
    usd: 0.125 / 1e6,
    unit: 'read request unit, on-demand, Standard table class ($0.125 per million)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    retrieved: RETRIEVED,
    note: 'After the November 2024 on-demand price cut. 1 RRU = one strongly consistent read up to 4 KB, or two eventually consistent; transactional reads take 2 (docs.aws.amazon.com whitepaper "How AWS Pricing Works", DynamoDB).',
  },
  dynamodbWriteRequestUnit: {
    usd: 0.625 / 1e6,
    unit: 'write request unit, on-demand, Standard table class ($0.625 per million)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    retrieved: RETRIEVED,
    note: '1 WRU = one write up to 1 KB; transactional writes take 2; every global secondary index an item is in is written too.',
  },
  kmsRequest: {
    usd: 0.03 / 10_000,
    unit: 'KMS request, symmetric key ($0.03 per 10,000)',
    source: 'https://www.wring.co/blog/aws-kms-pricing-guide',
    retrieved: RETRIEVED,
    freeTier: '20,000 requests a month (https://aws.amazon.com/kms/pricing/)',
    note: 'Plus $1 a month for the stack\'s one customer managed key (https://aws.amazon.com/kms/pricing/): fixed, not per user.',
  },
  sesEmail: {
    usd: 0.00016,
    unit: 'outbound mail, SES Essentials plan (0 to 10 million a month)',
    source: 'https://raw.githubusercontent.com/api-evangelist/amazon-ses/refs/heads/main/plans/amazon-ses-plans-pricing.yml',
    retrieved: RETRIEVED,
    note: 'Read there from the AWS Price List API (publication 2026-07-22): Essentials is the default plan of new SES accounts since 2026-07-21; accounts on the older a-la-carte pricing pay $0.0001 a recipient. The higher figure is used.',
  },
  cloudwatchLogsIngestionGb: {
    usd: 0.5,
    unit: 'GB of log data ingested, Standard log class',
    source: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization',
    retrieved: RETRIEVED,
    freeTier: '5 GB a month (https://hykell.com/kb/platform-specific-guides/aws-cloudwatch-logs-pricing)',
    note: 'Storage ($0.03 per GB-month) comes on top while logs are kept (serverless.yml: 30 days); left out of the per-request figures.',
  },
  dataTransferOutGb: {
    usd: 0.09,
    unit: 'GB sent from API Gateway to the internet (first 10 TB a month)',
    source: 'https://www.apigatewaycost.com/aws',
    retrieved: RETRIEVED,
    freeTier: '100 GB a month across the account (AWS Free Tier)',
  },
} as const satisfies Record<string, ListPrice>;

/** Lambda's CPU share grows with memory: one full vCPU at this size (and proportionally below it). */
export const LAMBDA_FULL_VCPU = {
  memoryMb: 1769,
  source: 'https://github.com/rwnx/lambda-cpuinfo',
  retrieved: RETRIEVED,
  note: 'Quoting the Lambda documentation: "at 1769MB memory allocation, the function is assigned 1 vCPU\'s worth of vCPU credits".',
} as const;

/** What Cognito user pools charge per monthly active user, by feature plan, above any free tier. */
export const COGNITO_PER_MAU = {
  lite: {
    usd: 0.0055,
    unit: 'MAU, Lite plan (10,001 to 100,000 MAUs; $0.0046 above)',
    source: 'https://raw.githubusercontent.com/api-evangelist/amazon-cognito/refs/heads/main/plans/amazon-cognito-plans-pricing.yml',
    retrieved: RETRIEVED,
    freeTier: '10,000 MAUs a month',
    note: 'Transcribed there from the worked examples on https://aws.amazon.com/cognito/pricing/ (read 2026-09-20).',
  },
  essentials: {
    usd: 0.015,
    unit: 'MAU, Essentials plan (the default plan of new user pools)',
    source: 'https://raw.githubusercontent.com/api-evangelist/amazon-cognito/refs/heads/main/plans/amazon-cognito-plans-pricing.yml',
    retrieved: RETRIEVED,
    freeTier: '10,000 MAUs a month',
    note: 'Transcribed there from the worked examples on https://aws.amazon.com/cognito/pricing/ (read 2026-09-20).',
  },
  plus: {
    usd: 0.02,
    unit: 'MAU, Plus plan',
    source: 'https://raw.githubusercontent.com/api-evangelist/amazon-cognito/refs/heads/main/plans/amazon-cognito-plans-pricing.yml',
    retrieved: RETRIEVED,
    freeTier: 'none',
    note: 'Transcribed there from the worked examples on https://aws.amazon.com/cognito/pricing/ (read 2026-09-20).',
  },
} as const satisfies Record<string, ListPrice>;

export type AwsPrices = { [K in keyof typeof AWS_PRICES]: ListPrice };
