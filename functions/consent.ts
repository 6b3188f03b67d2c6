/** GET/POST /consent: the consent page of /authorize (lib/oidc/consent-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { OidcProvider } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';

export function consentHandler(provider: () => Pick<OidcProvider, 'consent'>): HttpHandler {
  return page((event) => provider().consent.handle(event));
}

export const handler = consentHandler(getOidcProvider);
