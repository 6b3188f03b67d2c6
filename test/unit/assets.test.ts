import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handler } from '../../functions/assets.js';
import { FAVICON_PATH } from '../../lib/http/favicon.js';
import { STYLESHEET_PATH } from '../../lib/http/stylesheet.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';

const getEvent = (path: string) => {
  const base = fakeEvent({ rawPath: path });
  return { ...base, requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method: 'GET', path } } };
};

describe('assets function', () => {
  it('serves the stylesheet and the icon with long caching', async () => {
    const css = await handler(getEvent(STYLESHEET_PATH), fakeContext);
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers?.['Content-Type']), /^text\/css/);
    assert.match(String(css.headers?.['Cache-Control']), /immutable/);
    const icon = await handler(getEvent(FAVICON_PATH), fakeContext);
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers?.['Content-Type'], 'image/svg+xml');
    assert.match(String(icon.body), /^<svg /);
  });

  it('answers a readable 404 for anything else', async () => {
    const missing = await handler(getEvent('/assets/secrets.txt'), fakeContext);
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.body), /Not found/);
  });
});
