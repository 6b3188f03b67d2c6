/** The home page: who is signed in and a sign-out button, or the ways in. */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { hiddenFields } from './form-parts.js';

export interface HomePageContent {
  /** Present only for a verified (unexpired, unrevoked) session. */
  signedIn?: { email: string; name: string; antiforgeryToken: string };
}

export function homePage({ signedIn }: HomePageContent): SafeHtml {
  if (signedIn) {
    return renderPage({
      title: 'Your account',
      body: html`<h1>Hello, ${signedIn.name}</h1>
<p>Signed in as ${signedIn.email}</p>
<p><a href="/account">Your account</a>: name, email address, password, where you are signed in, apps, deletion.</p>
<form method="post" action="/logout">
${hiddenFields({ antiforgeryToken: signedIn.antiforgeryToken })}
<div class="actions"><button type="submit">Sign out</button></div>
</form>`,
    });
  }
  return renderPage({
    title: 'Welcome',
    body: html`<h1>Welcome</h1>
<p>You are not signed in.</p>
<p class="actions"><a class="button" href="/login">Sign in</a> <a class="button secondary" href="/register">Create an account</a></p>`,
  });
}
