/**
 * The consent step of /authorize (authorize-steps.ts): a third-party client gets a code only for
 * scopes the user allowed it. What the user allowed is remembered per user and client
 * (consent-store.ts), so the page is shown once, and again only when the client asks for a
 * scope outside what was allowed (offline_access included: OpenID Connect Core section 11 wants
 * the user's say before a client gets tokens that outlive the session). First-party clients
 * (the operator's own, client-metadata.ts) are never asked.
 *
 * `prompt=consent` asks every time: the answer comes back with a single-use marker
 * (consent-marker.ts) that satisfies this step once. `prompt=none` cannot show the page and
 * answers `consent_required` to the client.
 *
 * Cost: one GetItem on the directory table per /authorize for a third-party client; for
 * prompt=consent one conditional PutItem on the TTL table instead.
 */
import type { Config } from '../config.js';
import { redirect } from '../http/response.js';
import { errorResponseUrl } from './authorization-response.js';
import { returnToFor } from './authorize-endpoint.js';
import type { AuthorizeRequest } from './authorize-request.js';
import type { AuthorizeStep, AuthorizeStepContext, AuthorizeStepOutcome } from './authorize-steps.js';
import { claimsScopes } from './claims-request.js';
import type { ConsentMarkers } from './consent-marker.js';
import { consentCovers, type ConsentStore } from './consent-store.js';
import { ConsentRequired, InvalidRequest, type OAuthError } from './errors.js';
import { MAX_RETURN_TO_LENGTH, RETURN_TO_PARAM } from '../session/return-to.js';

export const CONSENT_PATH = '/consent';

export interface ConsentStepDeps {
  config: Pick<Config, 'issuer'>;
  consents: Pick<ConsentStore, 'find'>;
  markers: Pick<ConsentMarkers, 'consume'>;
}

/**
 * What the user is asked to allow: the requested scopes, and the scopes whose claims a `claims`
 * request asks for (a claim is released only with its scope's consent, claims-request.ts).
 */
export function consentScopes(request: AuthorizeRequest): string[] {
  return [...new Set([...request.scopes, ...claimsScopes(request.claims, request.client.allowedScopes)])];
}

export class ConsentStep implements AuthorizeStep {
  readonly name = 'consent';

  constructor(private readonly deps: ConsentStepDeps) {}

  async run({ params, request, session }: AuthorizeStepContext): Promise<AuthorizeStepOutcome> {
    if (request.client.firstParty === true) return undefined;
    if (request.prompt.has('consent')) {
      return (await this.deps.markers.consume(params, session.subject)) ? undefined : this.ask(params, request);
    }
    const consent = await this.deps.consents.find(session.subject, request.client.clientId);
    if (consentCovers(consent, consentScopes(request))) return undefined;
    if (request.prompt.has('none')) return this.fail(request, new ConsentRequired('The user has not allowed this client what it asks for.'));
    return this.ask(params, request);
  }

  private ask(params: URLSearchParams, request: AuthorizeStepContext['request']): AuthorizeStepOutcome {
    const returnTo = returnToFor(params);
    if (returnTo.length > MAX_RETURN_TO_LENGTH) return this.fail(request, new InvalidRequest('The authorization request is too long.'));
    return { respond: redirect(`${CONSENT_PATH}?${new URLSearchParams({ [RETURN_TO_PARAM]: returnTo })}`) };
  }

  private fail(request: AuthorizeStepContext['request'], error: OAuthError): AuthorizeStepOutcome {
    const { redirectUri, state } = request;
    return { respond: redirect(errorResponseUrl({ redirectUri, error, state, issuer: this.deps.config.issuer })) };
  }
}
