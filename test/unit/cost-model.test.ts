import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AWS_PRICES, COGNITO_PER_MAU, LAMBDA_FULL_VCPU, type AwsPrices, type ListPrice } from '../../bench/cost/aws-prices.js';
import {
  addCosts,
  dominantService,
  lambdaBilledMs,
  noCost,
  operationCost,
  perUserCost,
  platformLogBytes,
  requestCost,
  totalCost,
  type RequestUsage,
} from '../../bench/cost/cost-model.js';
import { functionMemoryMb } from '../../bench/cost/function-memory.js';
import { OPERATIONS, USAGE_PROFILE } from '../../bench/cost/operations.js';

const GB = 1024 ** 3;

/** Round prices, so every expected figure below can be checked by hand. */
function pricesOf(usd: Record<keyof AwsPrices, number>): AwsPrices {
  return Object.fromEntries(Object.entries(AWS_PRICES).map(([name, price]) => [name, { ...price, usd: usd[name as keyof AwsPrices] }])) as AwsPrices;
}
const PRICES = pricesOf({
  lambdaArmGbSecond: 0.00002,
  lambdaRequest: 0.0000002,
  httpApiRequest: 0.000001,
  dynamodbReadRequestUnit: 0.0000001,
  dynamodbWriteRequestUnit: 0.000001,
  kmsRequest: 0.000003,
  sesEmail: 0.0001,
  cloudwatchLogsIngestionGb: 0.5,
  dataTransferOutGb: 0.1,
});

const NOTHING: RequestUsage = { memoryMb: 1024, billedMs: 0, readUnits: 0, writeUnits: 0, kmsRequests: 0, mails: 0, logBytes: 0, responseBytes: 0 };

describe('cost model', () => {
  it('stretches CPU time by Lambda\'s share of a vCPU, not the waiting, and rounds up to whole milliseconds', () => {
    // 20 ms CPU at a quarter vCPU = 80 ms, plus 30 ms waiting.
    assert.equal(lambdaBilledMs({ cpuMs: 20, waitMs: 30 }, 512, 2048), 110);
    // At or above a full vCPU nothing stretches.
    assert.equal(lambdaBilledMs({ cpuMs: 20, waitMs: 30 }, 4096, 2048), 50);
    assert.equal(lambdaBilledMs({ cpuMs: 0, waitMs: 10.2 }, 512, 2048), 11);
    // CPU of other threads can exceed the wall time: no negative waiting.
    assert.equal(lambdaBilledMs({ cpuMs: 12, waitMs: -2 }, 1024, 1024), 12);
  });

  it('prices one request per service', () => {
    const cost = requestCost(
      { memoryMb: 512, billedMs: 200, readUnits: 3, writeUnits: 2.5, kmsRequests: 1, mails: 1, logBytes: GB, responseBytes: GB / 2 },
      PRICES,
    );
    const expected = {
      lambdaCompute: 0.5 * 0.2 * 0.00002, // 0.1 GB-s
      lambdaRequests: 0.0000002,
      httpApi: 0.000001,
      dynamodbReads: 3 * 0.0000001,
      dynamodbWrites: 2.5 * 0.000001,
      kms: 0.000003,
      ses: 0.0001,
      cloudwatchLogs: 0.5,
      dataTransferOut: 0.05,
    };
    for (const [service, usd] of Object.entries(expected)) assert.ok(Math.abs(cost[service as keyof typeof cost] - usd) < 1e-15, `${service}: ${cost[service as keyof typeof cost]} != ${usd}`);
  });

  it('a request that uses nothing still pays its Lambda and HTTP API request', () => {
    assert.equal(totalCost(requestCost(NOTHING, PRICES)), 0.0000002 + 0.000001);
  });

  it('adds requests into operations and operations into a monthly user', () => {
    const read = { ...NOTHING, readUnits: 10 };
    const write = { ...NOTHING, writeUnits: 1 };
    const signIn = operationCost([read, write], PRICES);
    assert.ok(Math.abs(signIn.dynamodbReads - 10 * 0.0000001) < 1e-18);
    assert.equal(signIn.lambdaRequests, 2 * 0.0000002);
    const refresh = operationCost([write], PRICES);
    const user = perUserCost({ signIn: 3, refresh: 0.5 }, { signIn, refresh });
    // Writes: 3 sign-ins of one write and half a refresh of one.
    assert.ok(Math.abs(user.dynamodbWrites - 3.5 * 0.000001) < 1e-18);
    assert.ok(Math.abs(user.httpApi - (3 * 2 + 0.5) * 0.000001) < 1e-18);
    assert.deepEqual(perUserCost({}, {}), noCost());
  });

  it('names the service that costs most and its share', () => {
    const costs = addCosts(noCost(), { ...noCost(), httpApi: 3, dynamodbWrites: 1 });
    assert.deepEqual(dominantService(costs), { service: 'httpApi', share: 0.75 });
    assert.deepEqual(dominantService(noCost()).share, 0);
  });

  it('counts the bytes of Lambda\'s START, END and REPORT lines', () => {
    // START: 17 + 36 + 17, END: 15 + 36, REPORT: 18 + 36 + 11 + 8 + 18 + 6 + 14 + 6 + 18 + 6 + 1; each with its newline.
    assert.equal(platformLogBytes(100, 512), 71 + 52 + 143);
    assert.equal(platformLogBytes(1000, 512), 71 + 52 + 143 + 2);
  });
});

describe('prices', () => {
  const entries: Array<[string, ListPrice | typeof LAMBDA_FULL_VCPU]> = [
    ...Object.entries(AWS_PRICES),
    ...Object.entries(COGNITO_PER_MAU).map(([plan, price]): [string, ListPrice] => [`cognito ${plan}`, price]),
    ['lambda full vCPU', LAMBDA_FULL_VCPU],
  ];
  for (const [name, entry] of entries) {
    it(`${name} says where it was read and when`, () => {
      assert.match(entry.source, /^https:\/\/\S+$/);
      assert.match(entry.retrieved, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(!Number.isNaN(Date.parse(entry.retrieved)));
    });
  }

  it('every price is a positive amount', () => {
    for (const [name, price] of Object.entries({ ...AWS_PRICES, ...COGNITO_PER_MAU })) assert.ok(price.usd > 0, name);
  });
});

describe('operations and profile', () => {
  it('the profile prices every operation and only those', () => {
    assert.deepEqual(Object.keys(USAGE_PROFILE).sort(), Object.keys(OPERATIONS).sort());
  });
});

describe('function memory', () => {
  it('takes a function\'s own memorySize, else the provider\'s, from serverless.yml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cost-'));
    const path = join(dir, 'serverless.yml');
    writeFileSync(
      path,
      ['provider:', '  architecture: arm64', '  memorySize: 256', 'functions:', '  login:', '    handler: functions/login.handler', '    memorySize: 1024', '  token:', '    handler: functions/token.handler'].join('\n'),
    );
    const memoryOf = functionMemoryMb(path);
    assert.equal(memoryOf('login'), 1024);
    assert.equal(memoryOf('token'), 256);
    assert.throws(() => memoryOf('userinfo'), /no function with handler functions\/userinfo.handler/);
  });

  it('refuses a stack that is not arm64: the prices would be wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cost-'));
    const path = join(dir, 'serverless.yml');
    writeFileSync(path, ['provider:', '  memorySize: 256', 'functions: {}'].join('\n'));
    assert.throws(() => functionMemoryMb(path), /prices are for arm64/);
  });

  it('reads the project\'s own serverless.yml', () => {
    assert.equal(functionMemoryMb()('login'), 512);
  });
});
