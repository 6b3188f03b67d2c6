/**
 * The origins a sign-in form's CSP `form-action` must allow besides its own, for where the form
 * returns to: Chromium applies `form-action` to the redirects that follow a POST, so a sign-in
 * that returns to /authorize, which redirects on to the client, must allow the client's origin.
 * Only OAuth knows what a `return_to` leads to (lib/oidc/return-to-form-action.ts); the
 * composition root injects it, so the pages know nothing of clients.
 */
export type FormActionOriginsFor = (returnTo: string | undefined) => string[];
