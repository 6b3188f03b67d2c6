/**
 * A browser stand-in over the functions' handlers called in-process (as Lambda would call them):
 * a cookie jar by name, forms submitted with their hidden fields, redirects not followed. Keeps
 * every cookie value it was ever given, for tests that must not find them anywhere else.
 */
import assert from 'node:assert/strict';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { HttpResponse } from '../../lib/http/response.js';
import { fakeContext, httpEvent } from './fake-http-event.js';
import { parseForms, submitFields, type HtmlForm } from './html-forms.js';

export type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

export interface BrowserAnswer {
  status: number;
  body: string;
  location?: string;
  forms: HtmlForm[];
}

export class InProcessBrowser {
  readonly jar = new Map<string, string>();
  readonly cookieValues = new Set<string>();
  /** How many requests it made. */
  sent = 0;

  constructor(
    private readonly routes: Readonly<Record<string, RouteHandler>>,
    private readonly context: Context = fakeContext,
    private readonly ip = '198.51.100.7',
  ) {}

  get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<BrowserAnswer> {
    return this.send('GET', pathAndQuery, undefined, headers);
  }

  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<BrowserAnswer> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), headers);
  }

  /** Submits the form of `page` that has every field in `fields`, with the form's hidden fields. */
  submit(page: BrowserAnswer, fields: Record<string, string>): Promise<BrowserAnswer> {
    const form = page.forms.find((f) => f.method === 'POST' && Object.keys(fields).every((name) => f.inputNames.includes(name)));
    assert.ok(form, `a form with ${Object.keys(fields).join(', ')} in ${page.body}`);
    return this.send('POST', form.action, submitFields(form, fields).toString(), {});
  }

  private async send(method: string, pathAndQuery: string, body: string | undefined, headers: Record<string, string>): Promise<BrowserAnswer> {
    const handler = this.routes[new URL(pathAndQuery, 'https://id.example.test').pathname];
    assert.ok(handler, `no handler for ${pathAndQuery}`);
    this.sent++;
    const response = await handler(httpEvent(method, pathAndQuery, { body, headers, cookies: this.jar, ip: this.ip }), this.context);
    for (const line of response.cookies ?? []) {
      const pair = line.split(';')[0]!;
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/Max-Age=0/i.test(line)) this.jar.delete(name);
      else {
        this.jar.set(name, value);
        this.cookieValues.add(value);
      }
    }
    const text = response.body ?? '';
    const location = (response.headers as Record<string, string> | undefined)?.Location;
    return { status: response.statusCode ?? 200, body: text, ...(location !== undefined ? { location } : {}), forms: parseForms(text) };
  }
}
