/**
 * The step-up of /authorize (authorize-steps.ts, before consent): when the request asks for the
 * multi-factor class (`acr_values`, the `claims` parameter's `acr`) or the client is registered
 * with `--require-mfa`, a session without `mfa` does not get a code. The user goes to the second
 * step (lib/pages/second-factor-endpoint.ts), which upgrades the session and comes back here; a
 * user with no second factor goes to TOTP enrolment first. With `prompt=none` nothing can be
 * asked: `interaction_required`. An essential `acr` this provider cannot meet at all is a failed
 * authentication (OpenID Connect Core section 5.5.1.1): `access_denied`.
 *
 * Cost: nothing for a request that asks for no class or a session that has `mfa`; otherwise one
 * GetItem (the TOTP item; a passkey Query for a user without TOTP) and one PutItem (the flow).
 */
import type { SecondFactorLookup } from '../auth/second-factors.js';
import type { Config } from '../config.js';
import { redirect } from '../http/response.js';
import { countMetric } from '../observability/metrics.js';
import type { SecondFactorFlows } from '../pages/second-factor-flow.js';
import { SECOND_FACTOR_PATH } from '../pages/second-factor-gate.js';
import { TWO_FACTOR_ENROL_PATH } from '../pages/two-factor-paths.js';
import { MAX_RETURN_TO_LENGTH, RETURN_TO_PARAM } from '../session/return-to.js';
import { satisfiesAcr } from './acr.js';
import { acrDemand } from './acr-request.js';
import { errorResponseUrl } from './authorization-response.js';
import { returnToFor } from './authorize-endpoint.js';
import type { AuthorizeStep, AuthorizeStepContext, AuthorizeStepOutcome } from './authorize-steps.js';
import { AccessDenied, InteractionRequired, InvalidRequest, type OAuthError } from './errors.js';

export interface StepUpStepDeps {
  config: Pick<Config, 'issuer'>;
  secondFactors: SecondFactorLookup;
  flows: Pick<SecondFactorFlows, 'start'>;
}

export class StepUpStep implements AuthorizeStep {
  readonly name = 'step-up';

  constructor(private readonly deps: StepUpStepDeps) {}

  async run({ params, request, session }: AuthorizeStepContext): Promise<AuthorizeStepOutcome> {
    const demand = acrDemand(params, request.client);
    if (demand.kind === 'any') return undefined;
    if (demand.kind === 'unmet-essential') {
      countMetric('StepUp', { outcome: 'unmet_essential_acr' });
      return this.fail(request, new AccessDenied('None of the essential acr values asked for can be met here.'));
    }
    if (satisfiesAcr(session.methods, demand.acr)) return undefined;
    if (request.prompt.has('none')) {
      countMetric('StepUp', { outcome: 'interaction_required' });
      return this.fail(request, new InteractionRequired('The user must confirm a second factor.'));
    }
    const returnTo = returnToFor(params);
    if (returnTo.length > MAX_RETURN_TO_LENGTH) return this.fail(request, new InvalidRequest('The authorization request is too long.'));
    if (!(await this.deps.secondFactors.has(session.subject))) {
      countMetric('StepUp', { outcome: 'enrolment' });
      return { respond: redirect(`${TWO_FACTOR_ENROL_PATH}?${new URLSearchParams({ [RETURN_TO_PARAM]: returnTo })}`) };
    }
    countMetric('StepUp', { outcome: 'second-factor' });
    const cookie = await this.deps.flows.start({ subject: session.subject, methods: session.methods, returnTo }, { sessionId: session.sessionId });
    return { respond: redirect(SECOND_FACTOR_PATH, { cookies: [cookie] }) };
  }

  private fail(request: AuthorizeStepContext['request'], error: OAuthError): AuthorizeStepOutcome {
    const { redirectUri, state } = request;
    return { respond: redirect(errorResponseUrl({ redirectUri, error, state, issuer: this.deps.config.issuer })) };
  }
}
