/** HTTP API payload 2.0 events and a Lambda context for tests and benchmarks that call handlers in-process. */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export function fakeEvent(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/login',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'id.example.test',
      domainPrefix: 'id',
      http: { method: 'POST', path: '/login', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'api-request-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2030:00:00:00 +0000',
      timeEpoch: 1893456000000,
    },
    ...overrides,
  };
}

export const fakeContext = { awsRequestId: 'lambda-request-1' } as Context;

export interface RequestOptions {
  body?: string;
  headers?: Record<string, string>;
  cookies?: ReadonlyMap<string, string> | Record<string, string>;
  ip?: string;
}

/**
 * A browser-like request to a page or endpoint: form body when given, cookies from a jar or a
 * record, a fresh request id. Shared by the in-process handler tests and the flow benchmarks.
 */
export function httpEvent(method: string, pathAndQuery: string, options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const url = new URL(pathAndQuery, 'https://id.example.test');
  const cookieEntries = options.cookies instanceof Map ? [...options.cookies] : Object.entries(options.cookies ?? {});
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookieEntries.length > 0 ? { cookies: cookieEntries.map(([n, v]) => `${n}=${v}`) } : {}),
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'id.example.test',
      domainPrefix: 'id',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: options.ip ?? '198.51.100.7', userAgent: 'test' },
      requestId: randomBytes(4).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
  };
}
