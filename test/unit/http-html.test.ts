import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderErrorPage } from '../../lib/http/error-page.js';
import { escapeHtml, html, SafeHtml } from '../../lib/http/html.js';
import { renderPage } from '../../lib/http/page.js';
import { STYLESHEET_HREF, STYLESHEET_PATH } from '../../lib/http/stylesheet.js';

describe('html template', () => {
  it('escapes every character that can leave text or a quoted attribute', () => {
    assert.equal(escapeHtml(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
    const name = `"><script>alert('x')</script>`;
    assert.equal(
      html`<input value="${name}">`.toString(),
      '<input value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;">',
    );
  });

  it('inserts SafeHtml raw and escapes it only once', () => {
    const inner = html`<b>${'a&b'}</b>`;
    assert.equal(html`<p>${inner}</p>`.toString(), '<p><b>a&amp;b</b></p>');
  });

  it('joins arrays, escaping plain strings inside them', () => {
    const items = ['<one>', 'two'].map((item) => html`<li>${item}</li>`);
    assert.equal(html`<ul>${items}</ul>`.toString(), '<ul><li>&lt;one&gt;</li><li>two</li></ul>');
    assert.equal(html`${['<a>', html`<b>`]}`.toString(), '&lt;a&gt;<b>');
  });

  it('renders numbers, and nothing for null, undefined and false', () => {
    assert.equal(html`${0}|${null}|${undefined}|${false}|${5}`.toString(), '0||||5');
  });

  it('cannot be minted outside the template', () => {
    const Forge = SafeHtml as unknown as new (token: symbol, text: string) => SafeHtml;
    assert.throws(() => new Forge(Symbol('SafeHtml'), '<script>'), TypeError);
  });
});

describe('renderPage', () => {
  it('is a full document linking the versioned stylesheet, without inline script or style', () => {
    const doc = renderPage({ title: 'Sign in <now>', body: html`<h1>Hi</h1>` }).toString();
    assert.match(doc, /^<!doctype html>\n<html lang="en">/);
    assert.match(doc, /<title>Sign in &lt;now&gt;<\/title>/);
    assert.ok(doc.includes(`<link rel="stylesheet" href="${STYLESHEET_HREF}">`));
    assert.ok(STYLESHEET_HREF.startsWith(`${STYLESHEET_PATH}?v=`));
    assert.match(doc, /<main>\n<h1>Hi<\/h1>\n<\/main>/);
    assert.doesNotMatch(doc, /<script|<style|style=/i);
  });

  it('sets and escapes the language', () => {
    assert.match(renderPage({ title: 't', body: html``, lang: 'de' }).toString(), /<html lang="de">/);
    assert.match(renderPage({ title: 't', body: html``, lang: '"x' }).toString(), /<html lang="&quot;x">/);
  });
});

describe('renderErrorPage', () => {
  it('shows title and message escaped, without a link by default', () => {
    const doc = renderErrorPage({ title: 'Link expired', message: 'Code <b> expired' }).toString();
    assert.match(doc, /<h1>Link expired<\/h1>/);
    assert.match(doc, /<p>Code &lt;b&gt; expired<\/p>/);
    assert.doesNotMatch(doc, /Start again/);
  });

  it('links to a same-site path to start again', () => {
    const doc = renderErrorPage({ title: 't', message: 'm', startAgainHref: '/authorize?client_id=a&state=b' }).toString();
    assert.match(doc, /<a class="button" href="\/authorize\?client_id=a&amp;state=b">Start again<\/a>/);
  });

  it('refuses links that would leave the site', () => {
    for (const href of ['https://evil.test/', '//evil.test/', '/\\evil.test', 'javascript:alert(1)', '/\t/evil.test', 'relative']) {
      assert.throws(() => renderErrorPage({ title: 't', message: 'm', startAgainHref: href }), TypeError, href);
    }
  });
});
