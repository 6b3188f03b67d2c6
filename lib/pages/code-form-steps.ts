/**
 * The address step and the code step of a flow that mails a code to an address (/login/code,
 * /password/forgot, /register): their pages, the address form's POST, a resend, and a code
 * that was refused. The flows answer these alike (the same words whatever the address, so the
 * pages reveal nothing about who has an account); what a flow does with a started flow or a
 * right code stays in its endpoint.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { VerifyCodeResult } from '../auth/one-time-codes.js';
import type { SafeHtml } from '../http/html.js';
import { sourceIp } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import type { FormContext } from './form-parts.js';
import { renderFormStep, type FormStepAnswer } from './form-step.js';
import { tooManyCodesMessage } from './login.js';
import { mailLimitRefusal } from './mail-limit.js';
import { countCodeSent } from './page-events.js';

export const NEW_CODE_SENT = 'We have sent a new code. The last few codes we sent also work.';
const INVALID_EMAIL = 'Enter a valid email address, like name@example.com.';
const WRONG_CODE = 'That code is not right. Check the email and try again.';

export interface CodeFormPages {
  email(content: FormContext & { email?: string; error?: string }): SafeHtml;
  code(content: FormContext & { email: string; error?: string; notice?: string }): SafeHtml;
}

/** How a step is answered besides its page, and the error its page shows. */
type CodeFormStepAnswer = Omit<FormStepAnswer, 'formActionOrigins'> & { error?: string };

type InvalidEmail = { ok: false; reason: 'invalid_email' };
/** The sender's network has used its mail budget (lib/auth/mail-budget.ts). */
type SourceLimited = { ok: false; reason: 'source_limit'; retryAfterS?: number };
/** Any outcome of a start or a resend. */
type MailOutcome = { ok: boolean; reason?: string };

export interface CodeFormStepsOptions<Flow> {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  pages: CodeFormPages;
  /** The antiforgery binding of the flow's forms. */
  binding(flow: Flow): string | undefined;
  /** What the flow's mails count as (the CodeSent metric). */
  kind: Parameters<typeof countCodeSent>[0];
  /** Where a rejected address form sends the user to start again. */
  startAgainHref(returnTo: string | undefined): string;
  /** Where the code form's POST may end besides this origin, when a right code signs in at once. */
  codeFormActionOrigins?: FormActionOriginsFor;
}

export class CodeFormSteps<Flow extends { email: string }> {
  constructor(private readonly options: CodeFormStepsOptions<Flow>) {}

  emailStep(event: APIGatewayProxyEventV2, returnTo: string | undefined, { email, error, ...answer }: CodeFormStepAnswer & { email?: string }): Promise<HttpResponse> {
    return renderFormStep(this.options.antiforgery, event, undefined, (antiforgeryToken) => this.options.pages.email({ antiforgeryToken, returnTo, email, error }), answer);
  }

  codeStep(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined, { error, notice, ...answer }: CodeFormStepAnswer & { notice?: string }): Promise<HttpResponse> {
    const { antiforgery, binding, pages, codeFormActionOrigins } = this.options;
    const page = (antiforgeryToken: string) => pages.code({ antiforgeryToken, returnTo, email: flow.email, error, notice });
    return renderFormStep(antiforgery, event, binding(flow), page, { ...answer, formActionOrigins: codeFormActionOrigins?.(returnTo) });
  }

  /**
   * The address form's POST: its antiforgery check, then `start` with the address. A start that
   * mailed nothing (not an address, or the network's mail budget used) shows the address step
   * again; every other outcome goes to `next`.
   */
  async submitAddress<Started extends MailOutcome>(
    event: APIGatewayProxyEventV2,
    form: URLSearchParams,
    returnTo: string | undefined,
    start: (email: string, source: string) => Promise<InvalidEmail | SourceLimited | Started>,
    next: (started: Started, email: string) => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    const check = await this.options.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, this.options.startAgainHref(returnTo));
    const email = form.get('email') ?? '';
    const started = await start(email, sourceIp(event));
    countCodeSent(this.options.kind, started);
    if (isInvalidEmail(started)) return this.emailStep(event, returnTo, { email, status: 400, error: INVALID_EMAIL });
    if (isSourceLimited(started)) return this.emailStep(event, returnTo, { email, ...mailLimitAnswer(started) });
    return next(started, email);
  }

  /**
   * "Send a new code": `send` mails it. When the network's mail budget is used, the code step
   * says so and for how long; every other outcome goes to `next`.
   */
  async resend<Resent extends MailOutcome>(
    event: APIGatewayProxyEventV2,
    flow: Flow,
    returnTo: string | undefined,
    send: (source: string) => Promise<SourceLimited | Resent>,
    next: (resent: Resent) => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    const resent = await send(sourceIp(event));
    countCodeSent(this.options.kind, resent);
    if (isSourceLimited(resent)) return this.codeStep(event, flow, returnTo, mailLimitAnswer(resent));
    return next(resent);
  }

  /**
   * A wrong code, or too many guesses: the code step again. Undefined for a code that expired or
   * was used, which each flow answers in its own way.
   */
  refusedCode(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined, refused: Exclude<VerifyCodeResult, { ok: true }>): Promise<HttpResponse> | undefined {
    if (refused.reason === 'invalid') return this.codeStep(event, flow, returnTo, { status: 400, error: WRONG_CODE });
    if (refused.reason !== 'throttled') return undefined;
    // The codes still work after the wait: keep the form, say how long.
    const retryAfterS = Math.max(1, Math.ceil(refused.retryAfterS));
    return this.codeStep(event, flow, returnTo, { status: 429, error: tooManyCodesMessage(retryAfterS), headers: { 'Retry-After': String(retryAfterS) } });
  }
}

function mailLimitAnswer(limited: SourceLimited): CodeFormStepAnswer {
  const refusal = mailLimitRefusal(limited.retryAfterS ?? 60);
  return { status: refusal.status, error: refusal.message, headers: refusal.headers };
}

function isInvalidEmail(outcome: MailOutcome): outcome is InvalidEmail {
  return !outcome.ok && outcome.reason === 'invalid_email';
}

function isSourceLimited(outcome: MailOutcome): outcome is SourceLimited {
  return !outcome.ok && outcome.reason === 'source_limit';
}
