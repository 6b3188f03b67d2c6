/**
 * Userinfo for a client that registered `userinfo_signed_response_alg` (OpenID Connect Core
 * section 5.3.2, OIDC Registration section 2): the claims as a JWT signed by this issuer with
 * that algorithm, with `iss` and `aud` (the client) added, answered as `application/jwt`. Other
 * clients get plain JSON. The client is read through the instance's client cache, so a warm
 * instance adds no DynamoDB call; signing is in-process (~1 ms for RS256).
 */
import type { Clock } from '../clock.js';
import { compactJwt, json, type HttpResponse } from '../http/response.js';
import type { TokenSigner } from '../signing/token-signer.js';
import type { ClientLookup } from './client-authentication.js';
import type { UserinfoResponder } from './userinfo-endpoint.js';

export interface SignedUserinfoDeps {
  issuer: string;
  clients: Pick<ClientLookup, 'find'>;
  signer: Pick<TokenSigner, 'sign'>;
  clock: Clock;
}

export class SignedUserinfoResponder implements UserinfoResponder {
  constructor(private readonly deps: SignedUserinfoDeps) {}

  async respond(claims: Record<string, unknown> & { sub: string }, clientId: string): Promise<HttpResponse> {
    const alg = (await this.deps.clients.find(clientId))?.userinfoSignedResponseAlg;
    if (alg === undefined) return json(200, claims);
    const iat = Math.floor(this.deps.clock() / 1000);
    return compactJwt(200, await this.deps.signer.sign({ ...claims, iss: this.deps.issuer, aud: clientId, iat }, 'JWT', alg));
  }
}
