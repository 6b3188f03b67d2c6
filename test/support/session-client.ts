/**
 * A browser stand-in for end-to-end tests of the pages: fetch plus a cookie jar, aimed per
 * request at a chosen instance or at the load balancer, so a test can say "render the form on
 * instance 0, submit it on instance 1" and know it happened.
 *
 * The jar is keyed by cookie name only. The servers set `__Host-` cookies, which are `Secure`;
 * a browser would still send them to http://localhost, and this client sends them to any of the
 * cluster's URLs, which all stand for one site.
 *
 * Redirects are not followed unless asked (`follow`), so tests see each 303 and its cookies.
 */
import { request as httpRequest } from 'node:http';
import { parseForms, submitFields, textContent, type HtmlForm } from './html-forms.js';
import { SERVED_BY_HEADER } from './round-robin-proxy.js';

/** An instance index, `'proxy'` for the load balancer, or `'rotate'` for the next instance in turn. */
export type Target = number | 'proxy' | 'rotate';

export interface SessionClientOptions {
  proxyUrl: string;
  instanceUrls: readonly string[];
  /** Where requests go when a call names no target; `'rotate'` by default. */
  target?: Target;
  /** Bound on each request, so a hung handler fails the test instead of stalling it; 60 s by default. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  on?: Target;
  headers?: Record<string, string>;
  /** Send these cookies instead of the jar's (the jar is still updated from the answer unless `keepJar`). */
  cookies?: Record<string, string>;
  /** Do not store the answer's cookies. */
  keepJar?: boolean;
}

export interface SubmitOptions extends RequestOptions {
  /**
   * Which form of the page: its index, or the first whose action contains this text. Default:
   * the one POST form that has every field named in `overrides` (a page may also carry, say, a
   * "send a new code" form).
   */
  form?: number | string;
  /** Field values to replace (or add); `undefined` drops a field. */
  overrides?: Record<string, string | undefined>;
}

export interface StoredCookie {
  name: string;
  value: string;
  /** The whole `Set-Cookie` line that set it. */
  setCookie: string;
  attributes: Record<string, string>;
}

export class Page {
  readonly text: string;
  private parsed?: HtmlForm[];

  constructor(
    readonly method: string,
    /** Path and query that were requested. */
    readonly path: string,
    /** Index of the instance that served it (from the proxy's `x-served-by` when it went through it). */
    readonly servedBy: number | undefined,
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
    readonly setCookies: string[],
  ) {
    this.text = headers.get('content-type')?.includes('html') ? textContent(body) : body;
  }

  get location(): string | null {
    return this.headers.get('location');
  }

  get contentType(): string {
    return this.headers.get('content-type') ?? '';
  }

  forms(): HtmlForm[] {
    this.parsed ??= parseForms(this.body);
    return this.parsed;
  }

  /**
   * A form of this page: by index, by text in its action, or (default) the one POST form that
   * has inputs of all `withFields`. Fails loudly, with the page text, when there is no such form.
   */
  form(which?: number | string, withFields: readonly string[] = []): HtmlForm {
    const forms = this.forms();
    let form: HtmlForm | undefined;
    if (typeof which === 'number') form = forms[which];
    else if (typeof which === 'string') form = forms.find((f) => f.action.includes(which));
    else {
      const candidates = forms.filter((f) => f.method === 'POST' && withFields.every((name) => f.inputNames.includes(name)));
      if (candidates.length === 1) form = candidates[0];
      else {
        const wanted = withFields.length ? ` with fields ${withFields.join(', ')}` : '';
        throw new Error(`${this.describe()} has ${candidates.length} POST forms${wanted}; say which`);
      }
    }
    if (!form) throw new Error(`${this.describe()} has no form ${String(which)}`);
    return form;
  }

  /** Whether the page has a form input of this name. */
  hasField(name: string): boolean {
    return this.forms().some((f) => f.inputNames.includes(name));
  }

  /** Set-Cookie lines of this answer for one cookie name. */
  cookieLines(name: string): string[] {
    return this.setCookies.filter((line) => line.startsWith(`${name}=`));
  }

  describe(): string {
    const excerpt = this.text.length > 600 ? `${this.text.slice(0, 600)}...` : this.text;
    return `${this.method} ${this.path} -> ${this.status} (instance ${this.servedBy ?? '?'}${this.location ? `, Location ${this.location}` : ''}): ${excerpt}`;
  }
}

export class SessionClient {
  private readonly cookies = new Map<string, StoredCookie>();
  private readonly proxyUrl: string;
  private readonly instanceUrls: readonly string[];
  private readonly defaultTarget: Target;
  private readonly requestTimeoutMs: number;
  private rotation = 0;
  /** Every answer, oldest first. */
  readonly history: Page[] = [];

  constructor(options: SessionClientOptions) {
    this.proxyUrl = options.proxyUrl.replace(/\/+$/, '');
    this.instanceUrls = options.instanceUrls.map((u) => u.replace(/\/+$/, ''));
    this.defaultTarget = options.target ?? 'rotate';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  /** The instance the next `'rotate'` request goes to. */
  get nextInstance(): number {
    return this.rotation % this.instanceUrls.length;
  }

  /** Any other instance than `index`: the next one after it. */
  otherThan(index: number | undefined): number {
    return ((index ?? -1) + 1) % this.instanceUrls.length;
  }

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.get(name);
  }

  cookieValues(): Record<string, string> {
    return Object.fromEntries([...this.cookies.values()].map((c) => [c.name, c.value]));
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, { name, value, setCookie: `${name}=${value}`, attributes: {} });
  }

  deleteCookie(name: string): void {
    this.cookies.delete(name);
  }

  clearCookies(): void {
    this.cookies.clear();
  }

  async get(path: string, options: RequestOptions = {}): Promise<Page> {
    return this.request('GET', path, undefined, options);
  }

  async post(path: string, fields: Record<string, string> | URLSearchParams, options: RequestOptions = {}): Promise<Page> {
    return this.request('POST', path, fields instanceof URLSearchParams ? fields : new URLSearchParams(fields), options);
  }

  /** Submits a form of `page` with every field it rendered, to the form's own action. */
  async submit(page: Page, options: SubmitOptions = {}): Promise<Page> {
    const overrides = options.overrides ?? {};
    const form = page.form(
      options.form,
      Object.keys(overrides).filter((name) => overrides[name] !== undefined && name !== '_af'),
    );
    const action = new URL(form.action || page.path, `http://page${page.path}`);
    const path = action.pathname + action.search;
    const fields = submitFields(form, options.overrides);
    if (form.method === 'GET') {
      const query = new URL(path, 'http://page');
      query.search = fields.toString();
      return this.request('GET', query.pathname + query.search, undefined, options);
    }
    return this.request('POST', path, fields, options);
  }

  /**
   * Follows redirects from `page` (GET each Location) until an answer is not a redirect.
   * Returns the final page; every hop is in `history`.
   */
  async follow(page: Page, options: RequestOptions & { maxHops?: number } = {}): Promise<Page> {
    let current = page;
    for (let hop = 0; hop < (options.maxHops ?? 10); hop++) {
      if (![301, 302, 303, 307, 308].includes(current.status) || !current.location) return current;
      current = await this.get(current.location, options);
    }
    throw new Error(`too many redirects after ${page.describe()}`);
  }

  async request(method: string, pathOrUrl: string, body: URLSearchParams | undefined, options: RequestOptions = {}): Promise<Page> {
    const path = this.toPath(pathOrUrl);
    const target = options.on ?? this.defaultTarget;
    let base: string;
    let instance: number | undefined;
    if (target === 'proxy') base = this.proxyUrl;
    else {
      instance = target === 'rotate' ? this.rotation++ % this.instanceUrls.length : target;
      const url = this.instanceUrls[instance];
      if (url === undefined) throw new Error(`no instance ${instance}`);
      base = url;
    }
    const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8', ...options.headers };
    const cookieHeader = Object.entries(options.cookies ?? this.cookieValues())
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
    if (cookieHeader) headers.cookie = cookieHeader;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    // The Host a browser would send, which a load balancer passes on: the proxy's.
    headers.host = new URL(this.proxyUrl).host;

    const where = target === 'proxy' ? 'the proxy' : `instance ${instance}`;
    const answer = await send(new URL(base + path), method, headers, body?.toString(), this.requestTimeoutMs).catch((error: unknown) => {
      throw new Error(`${method} ${path} on ${where} failed: ${String(error)}`);
    });
    const text = answer.body;
    const setCookies = answer.headers.getSetCookie();
    const servedByHeader = answer.headers.get(SERVED_BY_HEADER);
    const servedBy = servedByHeader !== null ? Number(servedByHeader) : instance;
    const page = new Page(method, path, servedBy, answer.status, answer.headers, text, setCookies);
    this.history.push(page);
    if (!options.keepJar) for (const line of setCookies) this.store(line);
    return page;
  }

  private store(line: string): void {
    const [pair = '', ...attributeParts] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const attributes: Record<string, string> = {};
    for (const part of attributeParts) {
      const i = part.indexOf('=');
      const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
      if (key) attributes[key] = i < 0 ? '' : part.slice(i + 1).trim();
    }
    const maxAge = attributes['max-age'];
    const expires = attributes.expires ? Date.parse(attributes.expires) : undefined;
    const expired = (maxAge !== undefined && Number(maxAge) <= 0) || (maxAge === undefined && expires !== undefined && expires <= Date.now());
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, { name, value, setCookie: line, attributes });
  }

  /** Absolute URLs on any of the cluster's origins become paths; anything else is a test bug or an open redirect. */
  private toPath(pathOrUrl: string): string {
    if (pathOrUrl.startsWith('/') && !pathOrUrl.startsWith('//')) return pathOrUrl;
    const url = new URL(pathOrUrl);
    const ours = [this.proxyUrl, ...this.instanceUrls].map((u) => new URL(u).origin);
    if (!ours.includes(url.origin)) throw new Error(`refusing to request ${pathOrUrl}: not one of the cluster's origins`);
    return url.pathname + url.search;
  }
}

/** node:http rather than fetch, which would not let us set `Host`. */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const out = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) out.append(raw[i]!, raw[i + 1]!);
          resolve({ status: response.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
