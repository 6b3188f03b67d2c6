/**
 * The steps between "this request has a fresh enough session" and "here is your code", run in
 * order by /authorize: a step that still needs the user answers with its own page (usually a
 * redirect that carries the request in `return_to`, so whichever instance serves the return
 * runs every step again from scratch); a step that is satisfied answers undefined and the next
 * one runs. Order: the second factor (step-up) → consent → the passkey offer.
 *
 * A step may also narrow what the code will carry (e.g. consent grants fewer scopes than asked,
 * the second factor adds `amr` values): it returns `{ amend }` instead of a response.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpResponse } from '../http/response.js';
import type { Session } from '../session/sessions.js';
import type { AuthorizeRequest } from './authorize-request.js';

export interface AuthorizeStepContext {
  event: APIGatewayProxyEventV2;
  /** The request's parameters as received (what `return_to` must reproduce). */
  params: URLSearchParams;
  request: AuthorizeRequest;
  session: Session;
}

export type AuthorizeStepOutcome = undefined | { respond: HttpResponse } | { amend: Partial<Pick<AuthorizeRequest, 'scopes'>> };

export interface AuthorizeStep {
  /** For logs and tests. */
  readonly name: string;
  run(context: AuthorizeStepContext): Promise<AuthorizeStepOutcome>;
}

/** Runs the steps in order; the first response wins, amendments accumulate into the request. */
export async function runAuthorizeSteps(steps: readonly AuthorizeStep[], context: AuthorizeStepContext): Promise<{ respond: HttpResponse } | { request: AuthorizeRequest }> {
  let request = context.request;
  for (const step of steps) {
    const outcome = await step.run({ ...context, request });
    if (outcome === undefined) continue;
    if ('respond' in outcome) return outcome;
    request = { ...request, ...outcome.amend };
  }
  return { request };
}
