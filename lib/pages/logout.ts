/**
 * The pages of RP-initiated logout (GET /logout): the question asked when the request does
 * not prove it comes from an application the user signed in to, and the "signed out" answer.
 */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { hiddenFields } from './form-parts.js';

export interface LogoutConfirmPageContent {
  /** The provider the user would sign out of, as they know it. */
  issuer: string;
  antiforgeryToken: string;
  /** Hidden fields that carry a checked post-logout redirect (lib/oidc/post-logout-redirect.ts). */
  redirectFields?: Record<string, string>;
}

/** "Sign out of <issuer>?", a form that posts to POST /logout, and a way to stay signed in. */
export function logoutConfirmPage({ issuer, antiforgeryToken, redirectFields = {} }: LogoutConfirmPageContent): SafeHtml {
  return renderPage({
    title: 'Sign out?',
    body: html`<h1>Sign out of ${issuer}?</h1>
<p>A link asked to sign you out. If you did not mean to sign out, stay signed in.</p>
<form method="post" action="/logout">
${hiddenFields({ antiforgeryToken }, redirectFields)}
<div class="actions"><button type="submit">Sign out</button> <a class="button secondary" href="/">Stay signed in</a></div>
</form>`,
  });
}

export function signedOutPage(): SafeHtml {
  return renderPage({
    title: 'Signed out',
    body: html`<h1>You are signed out</h1>
<p>You have been signed out of this site. You can close this window.</p>
<p class="actions"><a class="button" href="/">Go to the home page</a></p>`,
  });
}
