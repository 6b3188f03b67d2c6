/**
 * What happens once a user has proved a first factor (password, emailed code, password reset,
 * passkey, registration): the one seam every sign-in path goes through, so the steps that must
 * come before a session exists (a second factor) or right after it (the passkey offer) are
 * added in one place rather than in each endpoint.
 *
 * `SessionSignInCompletion` is the plain end of the chain: start the session and go back to
 * where the user was heading. Other completions wrap it (decorators), each deciding whether to
 * hand over to the next one or to answer with a step of its own.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/request.js';
import { redirect, type HttpResponse } from '../http/response.js';
import type { SecondFactorSummary } from '../auth/second-factors.js';
import type { User } from '../auth/user-store.js';
import { afterSignIn } from '../session/return-to.js';
import type { AuthMethod, Sessions } from '../session/sessions.js';

export interface FirstFactor {
  event: APIGatewayProxyEventV2;
  /** The user id (`sub`). */
  subject: string;
  /**
   * The user as the endpoint read it (consistently) while checking the factor, when it did: the
   * chain then needs no second read of the same item in the same request.
   */
  user?: User;
  /** The user's second factors as the endpoint read them with the user, when it did: the gate and the passkey offer then read neither again. */
  secondFactors?: SecondFactorSummary;
  /** RFC 8176 `amr` values the user has proved so far. */
  methods: readonly AuthMethod[];
  /** Where the user was heading (already checked by safeReturnTo or not: it is checked again). */
  returnTo?: string;
  /** Cookies the endpoint sets whatever happens next (e.g. the renewed device cookie). */
  cookies?: readonly string[];
}

export interface SignInCompletion {
  complete(factor: FirstFactor): Promise<HttpResponse>;
}

export class SessionSignInCompletion implements SignInCompletion {
  constructor(private readonly sessions: Pick<Sessions, 'start'>) {}

  async complete(factor: FirstFactor): Promise<HttpResponse> {
    const userAgent = header(factor.event, 'user-agent');
    const { cookie } = await this.sessions.start({ subject: factor.subject, methods: factor.methods, ...(userAgent !== undefined ? { userAgent } : {}) });
    return redirect(afterSignIn(factor.returnTo), { status: 303, cookies: [cookie, ...(factor.cookies ?? [])] });
  }
}
