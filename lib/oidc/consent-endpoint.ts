/**
 * GET/POST /consent: the page the consent step (consent-step.ts) sends the user to. The
 * authorization request rides in `return_to` exactly as through /login, and every visit
 * re-validates it from scratch (client, redirect URI, scopes) on whichever instance serves it,
 * so the page names what the client is really registered with, never what the URL claims.
 *
 * "Allow" remembers the request's scopes for the user and client (one UpdateItem) and goes back
 * to /authorize, which runs every step again and issues the code; for `prompt=consent` the way
 * back carries a single-use marker of this answer (consent-marker.ts). "Deny" goes to the
 * client with `access_denied` (RFC 6749 section 4.1.2.1) and remembers nothing.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config.js';
import { renderErrorPage } from '../http/error-page.js';
import { formBody, method, queryParams } from '../http/request.js';
import { html, redirect, withCookies, type HttpResponse } from '../http/response.js';
import { antiforgeryRejection } from '../pages/antiforgery-rejection.js';
import { CONSENT_DECISION_FIELD, consentPage } from '../pages/consent.js';
import type { FormActionOriginsFor } from '../pages/form-action-origins.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { RETURN_TO_PARAM, safeReturnTo } from '../session/return-to.js';
import type { Sessions } from '../session/sessions.js';
import { errorResponseUrl } from './authorization-response.js';
import { AUTHORIZE_PATH, resolveAuthorizeRequest, returnToFor, type AuthorizeEndpointDeps } from './authorize-endpoint.js';
import type { AuthorizeRequest } from './authorize-request.js';
import { countConsentDenied, reportConsentGranted } from './consent-events.js';
import type { ConsentMarkers } from './consent-marker.js';
import { consentScopes } from './consent-step.js';
import type { ConsentStore } from './consent-store.js';
import { AccessDenied } from './errors.js';
import { scopeDescriptions } from './scope-descriptions.js';

export interface ConsentEndpointDeps {
  config: Pick<Config, 'issuer'>;
  clients: AuthorizeEndpointDeps['clients'];
  sessions: Pick<Sessions, 'verify'>;
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  consents: Pick<ConsentStore, 'grant'>;
  markers: Pick<ConsentMarkers, 'attach'>;
  formActionOrigins: FormActionOriginsFor;
}

export class ConsentEndpoint {
  constructor(private readonly deps: ConsentEndpointDeps) {}

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const returnTo = safeReturnTo(queryParams(event).get(RETURN_TO_PARAM));
    const resolved = await this.resolve(returnTo);
    if ('respond' in resolved) return resolved.respond;
    const current = await this.deps.sessions.verify(event);
    // Signed out meanwhile: /authorize sends the user to sign in and brings them back here.
    if (current === undefined) return redirect(returnTo!);
    const af = await this.deps.antiforgery.issue(event);
    const page = consentPage({ antiforgeryToken: af.token, returnTo, ...describeRequest(resolved.request) });
    const cookies = [...af.cookies, ...(current.renewedCookie !== undefined ? [current.renewedCookie] : [])];
    return html(200, page, { cookies, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get(RETURN_TO_PARAM));
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, returnTo ?? '/');
    const resolved = await this.resolve(returnTo);
    if ('respond' in resolved) return resolved.respond;
    const current = await this.deps.sessions.verify(event);
    if (current === undefined) return redirect(returnTo!, { status: 303 });
    const { request, params } = resolved;
    const { subject } = current.session;
    const cookies = current.renewedCookie !== undefined ? [current.renewedCookie] : [];

    switch (form.get(CONSENT_DECISION_FIELD)) {
      case 'allow': {
        const scopes = consentScopes(request);
        await this.deps.consents.grant(subject, request.client.clientId, scopes);
        reportConsentGranted(subject, request.client.clientId, scopes);
        const back = request.prompt.has('consent') ? await this.deps.markers.attach(params, subject) : params;
        return redirect(returnToFor(back), { status: 303, cookies });
      }
      case 'deny': {
        countConsentDenied(request.client.clientId);
        const error = new AccessDenied('The user denied the request.');
        const { redirectUri, state } = request;
        return redirect(errorResponseUrl({ redirectUri, error, state, issuer: this.deps.config.issuer }), { status: 303, cookies });
      }
      default:
        return withCookies(html(400, renderErrorPage({ title: 'Choose allow or deny', message: 'The answer to the request was missing. Go back and choose again.' })), cookies);
    }
  }

  /** The /authorize request `returnTo` carries, validated from scratch, or the answer when there is none. */
  private async resolve(returnTo: string | undefined): Promise<{ request: AuthorizeRequest; params: URLSearchParams } | { respond: HttpResponse }> {
    if (returnTo === undefined || !returnTo.startsWith(`${AUTHORIZE_PATH}?`)) {
      return { respond: html(400, renderErrorPage({ title: 'Nothing to allow', message: 'This page is only shown when an application asks to use your account.' })) };
    }
    const params = new URLSearchParams(returnTo.slice(AUTHORIZE_PATH.length + 1));
    const resolved = await resolveAuthorizeRequest(params, this.deps.clients, this.deps.config.issuer);
    return 'respond' in resolved ? resolved : { request: resolved.request, params };
  }
}

/** What the page says about the request: the client as registered, the host it answers to, the scopes in words. */
function describeRequest(request: AuthorizeRequest): { clientName: string; redirectHost: string; permissions: string[] } {
  const url = new URL(request.redirectUri);
  // A native app's private-use scheme (com.example.app:/cb) has no host: its scheme names it.
  const redirectHost = url.host !== '' ? url.host : url.protocol.slice(0, -1);
  return { clientName: request.client.name ?? request.client.clientId, redirectHost, permissions: scopeDescriptions(consentScopes(request)) };
}

