/**
 * The pages of a flow that starts from an address alone and keeps its state in a protected
 * cookie (`{ email, nonce, ... }`): code sign-in (`__Host-otp`) and password reset
 * (`__Host-reset`). A GET resumes the flow in the cookie or shows the address step; a POST's
 * hidden `step` says which form was sent. The address and resend steps are answered here, every
 * later step by its endpoint, with the flow its form was bound to; each step may land on
 * another instance.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AccountCodeStart } from '../auth/account-code-mail.js';
import { BadRequestError } from '../http/errors.js';
import { formBody, query } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { safeReturnTo } from '../session/return-to.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import { CodeFormSteps, NEW_CODE_SENT, type CodeFormStepsOptions } from './code-form-steps.js';
import { waitText } from './login.js';

/** A step after the address: answered with the flow the form was bound to. */
export type FlowStep<Flow> = (flow: Flow, form: URLSearchParams, returnTo: string | undefined) => Promise<HttpResponse>;

export interface AddressCodeFlowOptions<Flow> extends CodeFormStepsOptions<Flow> {
  /** Also of no flow: a form posted without the cookie must fail its antiforgery check. */
  binding(flow: Flow | undefined): string | undefined;
  flowCookie: Pick<FlowCookie<Flow>, 'read' | 'write' | 'clear'>;
  /** The flow of an address a code was just mailed to (or held back by a throttle). */
  newFlow(email: string): Flow;
  /** Mails a code to the address (AccountCodeMail). */
  start(email: string, source: string): Promise<AccountCodeStart>;
  /** Whether "Send a new code" writes the cookie again, so that its lifetime starts again. */
  renewCookieOnResend?: boolean;
}

export class AddressCodeFlow<Flow extends { email: string }> extends CodeFormSteps<Flow> {
  constructor(private readonly flowOptions: AddressCodeFlowOptions<Flow>) {
    super(flowOptions);
  }

  /**
   * GET: the flow in the cookie goes on with `resume`; without one, or with `restart=1`, the
   * address step (prefilled with `emailHint`), and a restart drops the cookie.
   */
  async show(
    event: APIGatewayProxyEventV2,
    resume: (flow: Flow, returnTo: string | undefined) => Promise<HttpResponse>,
    emailHint?: (params: Record<string, string>) => string | undefined,
  ): Promise<HttpResponse> {
    const params = query(event);
    const returnTo = safeReturnTo(params.return_to);
    const restart = params.restart === '1';
    const flow = restart ? undefined : await this.flowOptions.flowCookie.read(event);
    if (flow) return resume(flow, returnTo);
    const cookies = restart ? [this.flowOptions.flowCookie.clear()] : [];
    return this.emailStep(event, returnTo, { status: 200, email: emailHint?.(params), cookies });
  }

  /** POST: the address (`email`) and `resend` steps here; any other step must be one of `laterSteps`. */
  async submit(event: APIGatewayProxyEventV2, laterSteps: Readonly<Record<string, FlowStep<Flow>>>): Promise<HttpResponse> {
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const step = form.get('step');
    if (step === 'email') return this.start(event, form, returnTo);
    const laterStep = step !== null && Object.hasOwn(laterSteps, step) ? laterSteps[step] : undefined;
    const answer: FlowStep<Flow> | undefined = step === 'resend' ? (flow) => this.resendCode(event, flow, returnTo) : laterStep;
    if (!answer) throw new BadRequestError('The form could not be understood. Please start again.');

    const { antiforgery, binding, flowCookie, startAgainHref } = this.flowOptions;
    const flow = await flowCookie.read(event);
    const check = await antiforgery.validate(event, form, { flow: binding(flow) });
    if (!check.ok) return antiforgeryRejection(event, check.reason, startAgainHref(returnTo));
    // The form token was bound to this flow, so a valid check implies the cookie is there.
    if (!flow) return antiforgeryRejection(event, 'flow_mismatch', startAgainHref(returnTo));
    return answer(flow, form, returnTo);
  }

  private start(event: APIGatewayProxyEventV2, form: URLSearchParams, returnTo: string | undefined): Promise<HttpResponse> {
    const { flowCookie, newFlow, start } = this.flowOptions;
    return this.submitAddress(event, form, returnTo, start, async (started) => {
      const flow = newFlow(started.email);
      return this.codeStep(event, flow, returnTo, { status: 200, notice: throttledNotice(started), cookies: [await flowCookie.write(flow)] });
    });
  }

  private resendCode(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined): Promise<HttpResponse> {
    const { flowCookie, start, renewCookieOnResend } = this.flowOptions;
    return this.resend(event, flow, returnTo, (source) => start(flow.email, source), async (resent) => {
      const cookies = renewCookieOnResend ? [await flowCookie.write(flow)] : [];
      return this.codeStep(event, flow, returnTo, { status: 200, notice: throttledNotice(resent) ?? NEW_CODE_SENT, cookies });
    });
  }
}

/** The same words whether or not the address has an account: throttles apply to every address alike. */
function throttledNotice(started: AccountCodeStart): string | undefined {
  if (started.ok || started.reason === 'invalid_email') return undefined;
  if (started.reason === 'resend_too_soon') {
    return `A code was sent a moment ago, so we did not send another. You can request a new one in ${waitText(started.retryAfterS)}.`;
  }
  return `Too many codes were requested for this address. You can request a new one in ${waitText(started.retryAfterS)}.`;
}
