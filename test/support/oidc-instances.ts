/**
 * OpenID Providers over one test stack, each its own "instance" (own clients and caches, as a
 * Lambda instance would have), taken in turn; and the functions' handlers called in-process.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../../lib/clock.js';
import type { HttpResponse } from '../../lib/http/response.js';
import { KmsKeyWrapper } from '../../lib/kms/kms-key-wrapper.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { createOidcProvider, type OidcProvider } from '../../lib/runtime/oidc-provider.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { fakeContext } from './fake-http-event.js';
import type { TestStack } from './stack.js';

export interface OidcInstances {
  all: readonly OidcProvider[];
  /** The next instance, round robin: no request relies on the instance that served the previous one. */
  next(): OidcProvider;
}

export function oidcInstances(stack: TestStack, clock: Clock, count = 3): OidcInstances {
  const { config } = stack;
  const all = Array.from({ length: count }, () =>
    createOidcProvider({
      config,
      clock,
      documentClient: stack.documentClient(),
      keyWrapper: new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: stack.kms.url }), keyId: config.kmsKeyId }),
    }),
  );
  let turn = 0;
  return { all, next: () => all[turn++ % all.length]! };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  cookies: string[];
}

export type FunctionHandler = (event: APIGatewayProxyEventV2, context: typeof fakeContext) => Promise<HttpResponse>;

export async function call(handler: FunctionHandler, event: APIGatewayProxyEventV2): Promise<Answer> {
  const response = await handler(event, fakeContext);
  return {
    status: response.statusCode ?? 200,
    headers: (response.headers ?? {}) as Record<string, string>,
    body: response.body ?? '',
    cookies: response.cookies ?? [],
  };
}

/** A new session for `subject`: its cookie value (for `httpEvent`'s cookie record) and id. */
export async function signIn(provider: OidcProvider, subject: string, authTime?: number): Promise<{ cookie: string; sid: string }> {
  const started = await provider.sessions.start({ subject, methods: ['pwd'], ...(authTime !== undefined ? { authTime } : {}) });
  const pair = started.cookie.split(';')[0]!;
  return { cookie: pair.slice(pair.indexOf('=') + 1), sid: started.session.sessionId };
}

/** Whether the answer tells the browser to delete (or replace) its session cookie. */
export function touchesSessionCookie(answer: Pick<Answer, 'cookies'>): boolean {
  return answer.cookies.some((line) => line.startsWith(`${SESSION_COOKIE}=`));
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The query of a code + PKCE (S256) authorization request for `/authorize?…`. */
export function codeRequestQuery(request: { clientId: string; redirectUri: string; challenge: string; state: string; scope?: string }): URLSearchParams {
  return new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope ?? 'openid email offline_access',
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  });
}
