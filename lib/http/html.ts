/**
 * Auto-escaping HTML templates. Every interpolated string is escaped, so markup can only come
 * from template literals written in our source, never from request data. Escaping covers text
 * and quoted attribute values; templates must therefore always quote attributes, and a URL put
 * in `href`/`action` must be checked by the caller (escaping does not stop `javascript:`).
 */

// Only this module can mint SafeHtml: the constructor demands a token nobody else holds.
const minted = Symbol('SafeHtml');

export class SafeHtml {
  readonly #text: string;

  constructor(token: typeof minted, text: string) {
    if (token !== minted) throw new TypeError('SafeHtml is created by the html`` template only');
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What may appear inside `${}`; `null`, `undefined` and `false` render nothing, for `${cond && html`...`}`. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(minted, out);
}
