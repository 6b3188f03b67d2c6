/**
 * Just enough HTML reading for tests of server-rendered pages: the forms a page contains (with
 * every field a browser would submit) and its visible text. The pages under test are our own,
 * well-formed and escaped, so attribute-level regular expressions are enough; this is not a
 * general HTML parser.
 */

export interface HtmlForm {
  /** The `action` attribute as written ('' when absent: the page's own URL). */
  action: string;
  method: 'GET' | 'POST';
  /** Every field a browser would submit, in document order (hidden ones included). */
  fields: [name: string, value: string][];
  /** Names of all named inputs, including ones a browser would not submit (unchecked boxes). */
  inputNames: string[];
  /** The raw attributes of each named `<input>`, by name (last one wins). */
  inputs: Record<string, Record<string, string>>;
  /** The form's own HTML, for assertions on markup. */
  html: string;
}

const FORM = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
const CONTROL = /<(input|button)\b([^>]*)>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>|<select\b([^>]*)>([\s\S]*?)<\/select\s*>/gi;
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const OPTION = /<option\b([^>]*)>([\s\S]*?)(?=<option\b|<\/select|$)/gi;

export function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1]!.toLowerCase();
    if (name in attributes) continue; // HTML: the first occurrence wins
    attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const formMatch of html.matchAll(FORM)) {
    const attributes = parseAttributes(formMatch[1]!);
    const body = formMatch[2]!;
    const fields: [string, string][] = [];
    const inputNames: string[] = [];
    const inputs: Record<string, Record<string, string>> = {};
    for (const control of body.matchAll(CONTROL)) {
      if (control[1]) {
        const attrs = parseAttributes(control[2]!);
        const name = attrs.name;
        if (!name || 'disabled' in attrs) continue;
        const tag = control[1].toLowerCase();
        const type = (attrs.type ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase();
        if (tag === 'input') {
          inputNames.push(name);
          inputs[name] = attrs;
        }
        // Buttons are only sent when they are the one clicked: see `submitFields`.
        if (tag === 'button' || type === 'submit' || type === 'image' || type === 'reset' || type === 'button' || type === 'file') continue;
        if ((type === 'checkbox' || type === 'radio') && !('checked' in attrs)) continue;
        fields.push([name, attrs.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
      } else if (control[3] !== undefined) {
        const attrs = parseAttributes(control[3]);
        if (!attrs.name || 'disabled' in attrs) continue;
        inputNames.push(attrs.name);
        fields.push([attrs.name, decodeEntities(control[4]!.replace(/^\r?\n/, ''))]);
      } else if (control[5] !== undefined) {
        const attrs = parseAttributes(control[5]);
        if (!attrs.name || 'disabled' in attrs) continue;
        inputNames.push(attrs.name);
        const options = [...control[6]!.matchAll(OPTION)].map((o) => {
          const optionAttrs = parseAttributes(o[1]!);
          return { selected: 'selected' in optionAttrs, value: optionAttrs.value ?? textContent(o[2]!) };
        });
        const chosen = options.find((o) => o.selected) ?? options[0];
        if (chosen) fields.push([attrs.name, chosen.value]);
      }
    }
    const method = (attributes.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET';
    forms.push({ action: attributes.action ?? '', method, fields, inputNames, inputs, html: formMatch[0] });
  }
  return forms;
}

/**
 * The fields to send for `form` with `overrides` applied: an override replaces every field of
 * that name (or adds it), `undefined` removes it. Field order is kept.
 */
export function submitFields(form: HtmlForm, overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const params = new URLSearchParams();
  const done = new Set<string>();
  for (const [name, value] of form.fields) {
    if (name in overrides) {
      if (done.has(name)) continue;
      done.add(name);
      const override = overrides[name];
      if (override !== undefined) params.append(name, override);
      continue;
    }
    params.append(name, value);
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!done.has(name) && value !== undefined) params.append(name, value);
  }
  return params;
}

/** The page's text as a person reads it: tags dropped, entities decoded, whitespace collapsed. */
export function textContent(html: string): string {
  const withoutHidden = html.replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ');
  return decodeEntities(withoutHidden.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every `href` of an `<a>` element, decoded. */
export function links(html: string): string[] {
  return [...html.matchAll(/<a\b([^>]*)>/gi)].map((m) => parseAttributes(m[1]!).href).filter((h): h is string => h !== undefined);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[entity.toLowerCase()] ?? whole;
  });
}
