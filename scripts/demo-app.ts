/**
 * The demo relying party: a small web app that signs in with the identity server through
 * openid-client v6 (authorization code + PKCE S256, state and nonce checked), shows the ID
 * token's claims and the userinfo answer, refreshes the tokens, and signs out with RP-initiated
 * logout. Sessions live in this process's memory under a random cookie: it is a demo, one
 * process, nothing to share.
 *
 * Pages are rendered with the server's auto-escaping `html` template and carry no script or
 * style at all; a strict CSP says so.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { html, type SafeHtml } from '../lib/http/html.js';

const SESSION_COOKIE = 'demo_session';
const SCOPE = 'openid profile email offline_access';
const SIGNED_OUT_STATE = 'signed-out';

interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

interface SignedIn {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  claims: oidc.IDToken;
  userinfo: oidc.UserInfoResponse;
  refreshedAt?: string;
}

interface Session {
  pending?: PendingSignIn;
  signedIn?: SignedIn;
}

export interface DemoAppOptions {
  /** The identity server's configuration, from `oidc.discovery`. */
  config: oidc.Configuration;
  /** Where this app is served, e.g. http://localhost:8080: the redirect URIs derive from it. */
  baseUrl: string;
}

export function createDemoApp({ config, baseUrl }: DemoAppOptions): RequestListener {
  const sessions = new Map<string, Session>();
  const redirectUri = `${baseUrl}/callback`;
  // Sign out is a form POST answered by a redirect to the server: CSP form-action covers that redirect too.
  const endSession = config.serverMetadata().end_session_endpoint;
  const send = pageSender(endSession !== undefined ? new URL(endSession).origin : undefined);

  function sessionOf(request: IncomingMessage, response: ServerResponse): Session {
    const id = /(?:^|;\s*)demo_session=([A-Za-z0-9_-]+)/.exec(request.headers.cookie ?? '')?.[1];
    const existing = id !== undefined ? sessions.get(id) : undefined;
    if (existing) return existing;
    const fresh: Session = {};
    const newId = randomBytes(24).toString('base64url');
    sessions.set(newId, fresh);
    response.setHeader('Set-Cookie', `${SESSION_COOKIE}=${newId}; Path=/; HttpOnly; SameSite=Lax`);
    return fresh;
  }

  async function signedInWith(tokens: SignedIn['tokens'], previous?: SignedIn): Promise<SignedIn> {
    // A refresh answer may come without an ID token: the claims of the sign-in still hold.
    const claims = tokens.claims() ?? previous?.claims;
    if (!claims) throw new Error('the token answer has no ID token');
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { tokens, claims, userinfo };
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', baseUrl);
    const session = sessionOf(request, response);
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return send(response, 200, home(session.signedIn, url.searchParams.get('state') === SIGNED_OUT_STATE));
      case 'GET /login': {
        const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
        session.pending = pending;
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: SCOPE,
          code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
          code_challenge_method: 'S256',
          state: pending.state,
          nonce: pending.nonce,
        });
        return redirect(response, target.href);
      }
      case 'GET /callback': {
        const pending = session.pending;
        if (!pending) return send(response, 400, errorPage('This sign-in was not started here (or this app restarted): sign in again.'));
        delete session.pending;
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce });
        session.signedIn = await signedInWith(tokens);
        return redirect(response, '/');
      }
      case 'POST /refresh': {
        const signedIn = session.signedIn;
        if (!signedIn?.tokens.refresh_token) return redirect(response, '/');
        const tokens = await oidc.refreshTokenGrant(config, signedIn.tokens.refresh_token);
        session.signedIn = { ...(await signedInWith(tokens, signedIn)), refreshedAt: new Date().toISOString() };
        return redirect(response, '/');
      }
      case 'POST /logout': {
        const idToken = session.signedIn?.tokens.id_token;
        delete session.signedIn;
        if (!idToken) return redirect(response, '/');
        // The post-logout redirect must match a registered one exactly: the state says why we are back.
        const target = oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${baseUrl}/`, state: SIGNED_OUT_STATE });
        return redirect(response, target.href);
      }
      default:
        return send(response, 404, errorPage(`Nothing at ${url.pathname}.`));
    }
  }

  return (request, response) => {
    route(request, response).catch((error: unknown) => {
      const reason = error instanceof oidc.ResponseBodyError ? `${error.error}: ${error.error_description ?? ''}` : error instanceof Error ? error.message : String(error);
      if (!response.headersSent) send(response, 502, errorPage(`The identity server said no: ${reason}`));
      else response.end();
    });
  };
}

function home(signedIn: SignedIn | undefined, signedOut: boolean): SafeHtml {
  if (!signedIn) {
    return layout(html`
      <p>${signedOut ? 'You are signed out.' : 'You are not signed in.'}</p>
      <p><a href="/login">Sign in</a></p>`);
  }
  const { claims, userinfo, tokens, refreshedAt } = signedIn;
  return layout(html`
    <p>Signed in as <strong>${String(claims.email ?? claims.sub)}</strong>.</p>
    <form method="post" action="/refresh"><button type="submit"${tokens.refresh_token ? '' : html` disabled`}>Refresh</button></form>
    <form method="post" action="/logout"><button type="submit">Sign out</button></form>
    ${refreshedAt ? html`<p id="refreshed">Tokens refreshed at ${refreshedAt}.</p>` : ''}
    <h2>ID token claims</h2>
    <pre id="claims">${JSON.stringify(claims, null, 2)}</pre>
    <h2>Userinfo</h2>
    <pre id="userinfo">${JSON.stringify(userinfo, null, 2)}</pre>
    <h2>Tokens</h2>
    <p>access token expires in ${String(tokens.expiresIn() ?? '?')} s; ${tokens.refresh_token ? 'a refresh token is held' : 'no refresh token'}.</p>`);
}

function errorPage(message: string): SafeHtml {
  return layout(html`<p id="error">${message}</p><p><a href="/">Back</a></p>`);
}

function layout(body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Demo app</title></head>
<body>
<h1>Demo app</h1>
${body}
</body>
</html>`;
}

/** Sends pages under a CSP that allows no script or style, and forms only to here and to `formTarget`. */
function pageSender(formTarget: string | undefined): (response: ServerResponse, status: number, page: SafeHtml) => void {
  const formAction = ["'self'", ...(formTarget !== undefined ? [formTarget] : [])].join(' ');
  const policy = `default-src 'none'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
  return (response, status, page) => {
    response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': policy, 'Cache-Control': 'no-store' });
    response.end(page.toString());
  };
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { Location: location, 'Cache-Control': 'no-store' }).end();
}
