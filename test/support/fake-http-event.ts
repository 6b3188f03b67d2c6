/** A minimal HTTP API payload 2.0 event and Lambda context for the lib/http unit tests. */
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
