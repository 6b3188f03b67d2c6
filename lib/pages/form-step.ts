/**
 * One step of a multi-step form page (/login/code, /password/forgot, /register). Each render
 * issues a fresh antiforgery form token, bound to the flow when the step belongs to one, so a
 * page of an earlier flow (another tab, a restart) cannot post into the current flow.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SafeHtml } from '../http/html.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';

/** How a step's page is answered, besides the page itself. */
export interface FormStepAnswer {
  status: number;
  /** Set beside the antiforgery cookie: the flow's cookie, or its removal. */
  cookies?: readonly string[];
  headers?: Record<string, string>;
  /** Origins the form's POST may end at besides this one: a step that signs in may redirect to a client. */
  formActionOrigins?: string[];
}

export async function renderFormStep(
  antiforgery: Pick<Antiforgery, 'issue'>,
  event: APIGatewayProxyEventV2,
  flowBinding: string | undefined,
  page: (antiforgeryToken: string) => SafeHtml,
  { status, cookies = [], headers, formActionOrigins }: FormStepAnswer,
): Promise<HttpResponse> {
  const af = await antiforgery.issue(event, { flow: flowBinding });
  return html(status, page(af.token), { cookies: [...af.cookies, ...cookies], headers, formActionOrigins });
}
