/**
 * GET/POST /account/email: the new address (hidden `step` = `address`), then its code (`code`).
 * A recent sign-in is required to start; the flow's id rides in the protected
 * `__Host-email-change` cookie and its state (bound to the user) in the TTL table.
 */
import type { EmailChange } from '../auth/email-change.js';
import { query, sourceIp } from '../http/request.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import type { EmailChangeCookie } from '../session/email-change-cookie.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { accountDoneUrl } from './account.js';
import type { AccountAction, AccountRequest } from './account-actions-endpoint.js';
import { auditEmailChanged, countAccountChange } from './account-events.js';
import { emailAddressPage, emailCodePage } from './account-forms.js';
import { tooManyCodesMessage, waitText } from './login.js';
import { mailLimitRefusal } from './mail-limit.js';
import { countCodeSent } from './page-events.js';
import { reauthenticationUrl, type RecentAuthentication } from './recent-authentication.js';

export class EmailChangeAction implements AccountAction {
  constructor(
    private readonly deps: {
      recent: Pick<RecentAuthentication, 'isRecent'>;
      change: Pick<EmailChange, 'start' | 'pendingAddress' | 'verify'>;
      flowCookie: Pick<FlowCookie<EmailChangeCookie>, 'read' | 'write' | 'clear'>;
    },
  ) {}

  async handle(request: AccountRequest): Promise<HttpResponse> {
    const { event, user, form, antiforgeryToken } = request;
    const flowId = (await this.deps.flowCookie.read(event))?.flowId;
    const pending = flowId === undefined ? undefined : await this.deps.change.pendingAddress(user, flowId);
    const addressPage = (status: number, content: { email?: string; error?: string } = {}, headers: Record<string, string> = {}, cookies: string[] = []) =>
      html(status, emailAddressPage({ antiforgeryToken, current: user.email, ...content }), { headers, cookies });
    const codePage = (status: number, email: string, content: { error?: string; notice?: string } = {}, headers: Record<string, string> = {}, cookies: string[] = []) =>
      html(status, emailCodePage({ antiforgeryToken, email, ...content }), { headers, cookies });

    if (!form) {
      if (pending !== undefined && query(event).restart !== '1') return codePage(200, pending);
      if (!(await this.deps.recent.isRecent(request.session))) return redirect(reauthenticationUrl('/account/email', user.email), { status: 303 });
      return addressPage(200);
    }

    if (form.get('step') === 'code') {
      if (flowId === undefined || pending === undefined) return addressPage(400, { error: 'This change has expired. Enter the new address again.' }, {}, [this.deps.flowCookie.clear()]);
      const result = await this.deps.change.verify(user, flowId, form.get('code') ?? '', { ip: sourceIp(event) });
      if (result.ok) {
        auditEmailChanged(user, result.from, result.to);
        countAccountChange('email');
        return redirect(accountDoneUrl('email'), { status: 303, cookies: [this.deps.flowCookie.clear()] });
      }
      switch (result.reason) {
        case 'invalid':
          return codePage(400, pending, { error: 'That code is not right. Check the email and try again.' });
        case 'throttled': {
          const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
          return codePage(429, pending, { error: tooManyCodesMessage(retryAfterS) }, { 'Retry-After': String(retryAfterS) });
        }
        case 'email_taken':
          return addressPage(409, { email: pending, error: 'That address now belongs to another account. Choose another one.' }, {}, [this.deps.flowCookie.clear()]);
        case 'expired':
        case 'unknown_flow':
          return addressPage(400, { email: pending, error: 'This code has expired or has already been used. Send a new one.' }, {}, [this.deps.flowCookie.clear()]);
      }
    }

    // A new address: recent sign-in required at this step too (the form may have been open long).
    if (!(await this.deps.recent.isRecent(request.session))) return redirect(reauthenticationUrl('/account/email', user.email), { status: 303 });
    const typed = form.get('email') ?? '';
    const started = await this.deps.change.start(user, typed, sourceIp(event));
    countCodeSent('email-change', started);
    if (started.ok) {
      const notice = started.resendAfterS === undefined ? undefined : `A code was sent to this address a moment ago: enter that one. You can ask for a new one in ${waitText(started.resendAfterS)}.`;
      return codePage(200, started.email, { notice }, {}, [await this.deps.flowCookie.write({ flowId: started.flowId })]);
    }
    if (started.reason === 'invalid_email') return addressPage(400, { email: typed, error: 'Enter a valid email address, like name@example.com.' });
    if (started.reason === 'same_email') return addressPage(400, { email: typed, error: 'That is already your address.' });
    if (started.reason === 'source_limit') {
      const refusal = mailLimitRefusal(started.retryAfterS);
      return addressPage(refusal.status, { email: typed, error: refusal.message }, refusal.headers);
    }
    const retryAfterS = Math.max(1, Math.ceil(started.retryAfterS));
    return addressPage(429, { email: typed, error: `Too many codes were requested for this address. Try again in ${waitText(retryAfterS)}.` }, { 'Retry-After': String(retryAfterS) });
  }
}
