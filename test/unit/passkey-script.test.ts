import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { AssetsEndpoint } from '../../lib/pages/assets-endpoint.js';
import { PASSKEY_SCRIPT_HREF } from '../../lib/pages/passkey-script-href.generated.js';
import { HREF_MODULE, passkeyScriptModules, SCRIPT_MODULE } from '../../scripts/build-passkey-script.js';
import { fakeEvent } from '../support/fake-http-event.js';

describe('the passkey browser script', () => {
  it('is committed as built from assets/passkeys.ts (run npx tsx scripts/build-passkey-script.ts when this fails)', async () => {
    const built = await passkeyScriptModules();
    assert.equal(await readFile(SCRIPT_MODULE, 'utf8'), built.script);
    assert.equal(await readFile(HREF_MODULE, 'utf8'), built.href);
  });

  it('is served from our own origin as JavaScript, cached for good under its hashed URL', async () => {
    const url = new URL(PASSKEY_SCRIPT_HREF, 'https://id.example');
    assert.match(url.search, /^\?v=[\w-]{16}$/);
    const event = fakeEvent({ rawPath: url.pathname });
    event.requestContext.http = { ...event.requestContext.http, method: 'GET', path: url.pathname };
    const response = await new AssetsEndpoint().handle(event);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers?.['Content-Type'], 'text/javascript; charset=utf-8');
    assert.equal(response.headers?.['Cache-Control'], 'public, max-age=31536000, immutable');
    assert.match(String(response.body), /navigator\.credentials/);
  });
});
