/**
 * GET/POST /register: address -> code -> name and password -> account, signed in. The hidden
 * `step` field says which form was sent (`email`, `code`, `resend`, `details`); the flow id rides
 * in the protected `__Host-reg` cookie and the flow's state in the TTL table, so every step may
 * land on another instance. Every form after the first is bound to the flow, so a page left
 * open in one tab cannot act on a flow restarted in another.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { page } from '../lib/http/handler.js';
import { formActionOriginsForReturnTo } from '../lib/oidc/return-to-form-action.js';
import { BadRequestError } from '../lib/http/errors.js';
import { cookies as requestCookies, formBody, method, query } from '../lib/http/request.js';
import { html, redirect, type HttpResponse } from '../lib/http/response.js';
import { hrefWithReturnTo } from '../lib/pages/form-parts.js';
import { waitText } from '../lib/pages/login.js';
import { REGISTER_PATH, registerCodePage, registerDetailsPage, registerEmailPage, registerRestartPage } from '../lib/pages/register.js';
import { getAntiforgery, getRegistrationCookie, getSessions } from '../lib/runtime/services.js';
import { getRegistration } from '../lib/runtime/mail-services.js';
import { antiforgeryRejection } from '../lib/pages/antiforgery-rejection.js';
import { REGISTRATION_COOKIE, registrationBinding } from '../lib/session/flow-cookies.js';
import { afterSignIn, safeReturnTo } from '../lib/session/return-to.js';

const antiforgery = getAntiforgery();
const sessions = getSessions();
const registration = getRegistration();
const flowCookie = getRegistrationCookie();

const INVALID_EMAIL = 'Enter a valid email address, like name@example.com.';
const WRONG_CODE = 'That code is not right. Check the email and try again.';
const RESTARTED_ELSEWHERE =
  'This registration was started again in another tab or window, or has expired. Continue with the latest one, or start again.';

interface Flow {
  flowId: string;
  email: string;
  step: 'code' | 'details';
}

export const handler = page(async (event) => (method(event) === 'POST' ? submit(event) : show(event)));

async function show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const params = query(event);
  const returnTo = safeReturnTo(params.return_to);
  const restart = params.restart === '1';
  const flow = restart ? undefined : await currentFlow(event);
  if (flow?.step === 'code') return codeStep(event, 200, flow, returnTo, {});
  if (flow?.step === 'details') return detailsStep(event, 200, flow, returnTo, {});
  // A cookie whose flow is over (or a restart) is dropped, so the next steps start clean.
  const clear = requestCookies(event).has(REGISTRATION_COOKIE) ? [flowCookie.clear()] : [];
  return emailStep(event, 200, returnTo, {}, clear);
}

async function submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const form = formBody(event);
  const returnTo = safeReturnTo(form.get('return_to'));
  const step = form.get('step');

  if (step === 'email') {
    const check = await antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, hrefWithReturnTo(REGISTER_PATH, returnTo, { restart: '1' }));
    const email = form.get('email') ?? '';
    const started = await registration.start(email);
    if (started.ok) {
      const flow = await registration.get(started.flowId);
      if (!flow) return restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
      const cookie = await flowCookie.write({ flowId: started.flowId });
      const notice =
        started.resendAfterS === undefined
          ? undefined
          : `A code was sent to this address a moment ago, so we did not send another: enter that one. You can request a new one in ${waitText(started.resendAfterS)}.`;
      return codeStep(event, 200, { flowId: started.flowId, ...flow }, returnTo, notice === undefined ? {} : { notice }, [cookie]);
    }
    if (started.reason === 'invalid_email') return emailStep(event, 400, returnTo, { email, error: INVALID_EMAIL });
    const retryAfterS = Math.max(1, Math.ceil(started.retryAfterS ?? 60));
    const error = `Too many codes were requested for this address. Try again in ${waitText(retryAfterS)}.`;
    return emailStep(event, 429, returnTo, { email, error }, [], { 'Retry-After': String(retryAfterS) });
  }

  if (step !== 'code' && step !== 'resend' && step !== 'details') {
    throw new BadRequestError('The form could not be understood. Please start again.');
  }
  const flowId = (await flowCookie.read(event))?.flowId;
  const check = await antiforgery.validate(event, form, { flow: registrationBinding(flowId) });
  if (!check.ok) {
    const message = check.reason === 'flow_mismatch' ? RESTARTED_ELSEWHERE : undefined;
    return antiforgeryRejection(event, check.reason, hrefWithReturnTo(REGISTER_PATH, returnTo), message);
  }
  const flow = flowId === undefined ? undefined : await flowOf(flowId);
  if (!flow) return restartStep(event, returnTo, 'Your registration has expired', 'The registration took too long and has expired. Please start again.');

  if (step === 'resend') {
    const resent = await registration.resend(flow.flowId);
    if (resent.ok) {
      if (flow.step === 'details') return detailsStep(event, 200, flow, returnTo, {});
      return codeStep(event, 200, flow, returnTo, { notice: 'We have sent a new code. Codes sent earlier no longer work.' });
    }
    if (resent.reason === 'unknown_flow') return restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
    const retryAfterS = Math.max(1, Math.ceil(resent.retryAfterS ?? 60));
    const wait =
      resent.reason === 'resend_too_soon'
        ? `A code was sent a moment ago. You can request a new one in ${waitText(retryAfterS)}.`
        : `Too many codes were requested for this address. You can request a new one in ${waitText(retryAfterS)}.`;
    return codeStep(event, 429, flow, returnTo, { error: wait }, [], { 'Retry-After': String(retryAfterS) });
  }

  if (step === 'code') {
    const result = await registration.verifyCode(flow.flowId, form.get('code') ?? '');
    if (result === 'ok') return detailsStep(event, 200, { ...flow, step: 'details' }, returnTo, {});
    if (result === 'invalid') return codeStep(event, 400, flow, returnTo, { error: WRONG_CODE });
    if (result === 'unknown_flow') return restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
    const message =
      result === 'too_many_attempts'
        ? 'Too many wrong codes were entered. For your security, this code no longer works. Request a new one.'
        : 'This code has expired or has already been used. Request a new one.';
    return restartStep(event, returnTo, 'Request a new code', message, { canResend: true, flowId: flow.flowId });
  }

  const name = form.get('name') ?? '';
  const completed = await registration.complete(flow.flowId, { name, password: form.get('password') ?? '' });
  if (completed.ok) {
    const { cookie } = await sessions.start({ subject: completed.user.id, methods: ['otp', 'pwd'] });
    return redirect(afterSignIn(returnTo), { status: 303, cookies: [cookie, flowCookie.clear()] });
  }
  switch (completed.reason) {
    case 'weak_password':
      return detailsStep(event, 400, flow, returnTo, {
        name,
        invalidField: 'password',
        error: 'Choose a password of at least 8 characters that is not your email address.',
      });
    case 'invalid_name':
      return detailsStep(event, 400, flow, returnTo, { name, invalidField: 'name', error: 'Enter your name (at most 100 characters).' });
    case 'not_verified':
      return codeStep(event, 400, flow, returnTo, { error: 'Enter the code we emailed you first.' });
    case 'email_taken':
      return restartStep(event, returnTo, 'You already have an account', 'An account with this email address already exists. Sign in instead.', {
        status: 409,
        clearFlow: true,
      });
    case 'unknown_flow':
      return restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
  }
}

async function currentFlow(event: APIGatewayProxyEventV2): Promise<Flow | undefined> {
  const flowId = (await flowCookie.read(event))?.flowId;
  return flowId === undefined ? undefined : flowOf(flowId);
}

async function flowOf(flowId: string): Promise<Flow | undefined> {
  const flow = await registration.get(flowId);
  return flow ? { flowId, ...flow } : undefined;
}

async function emailStep(
  event: APIGatewayProxyEventV2,
  status: number,
  returnTo: string | undefined,
  content: { email?: string; error?: string },
  extraCookies: string[] = [],
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  const af = await antiforgery.issue(event);
  return html(status, registerEmailPage({ antiforgeryToken: af.token, returnTo, ...content }), { cookies: [...af.cookies, ...extraCookies], headers });
}

async function codeStep(
  event: APIGatewayProxyEventV2,
  status: number,
  flow: Flow,
  returnTo: string | undefined,
  content: { error?: string; notice?: string },
  extraCookies: string[] = [],
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  const af = await antiforgery.issue(event, { flow: registrationBinding(flow.flowId) });
  const body = registerCodePage({ antiforgeryToken: af.token, returnTo, email: flow.email, ...content });
  return html(status, body, { cookies: [...af.cookies, ...extraCookies], headers });
}

async function detailsStep(
  event: APIGatewayProxyEventV2,
  status: number,
  flow: Flow,
  returnTo: string | undefined,
  content: { name?: string; error?: string; invalidField?: 'name' | 'password' },
): Promise<HttpResponse> {
  const af = await antiforgery.issue(event, { flow: registrationBinding(flow.flowId) });
  const body = registerDetailsPage({ antiforgeryToken: af.token, returnTo, email: flow.email, ...content });
  // The last step's POST may end at a client's redirect URI (see functions/login.ts).
  return html(status, body, { cookies: af.cookies, formActionOrigins: formActionOriginsForReturnTo(returnTo) });
}

async function restartStep(
  event: APIGatewayProxyEventV2,
  returnTo: string | undefined,
  title: string,
  message: string,
  options: { canResend?: boolean; flowId?: string; status?: number; clearFlow?: boolean } = {},
): Promise<HttpResponse> {
  const af = await antiforgery.issue(event, { flow: options.canResend ? registrationBinding(options.flowId) : undefined });
  const body = registerRestartPage({ antiforgeryToken: af.token, returnTo, title, message, canResend: options.canResend });
  // Without a flow to continue, the cookie is dropped so that GET /register starts clean.
  const clear = options.canResend && !options.clearFlow ? [] : [flowCookie.clear()];
  return html(options.status ?? 400, body, { cookies: [...af.cookies, ...clear] });
}
