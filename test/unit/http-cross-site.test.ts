import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCrossSiteRequest } from '../../lib/http/cross-site.js';
import { httpEvent } from '../support/fake-http-event.js';

const OWN = 'https://id.example.com';
const requestWith = (headers: Record<string, string>) => httpEvent('POST', '/logout', { headers });

describe('isCrossSiteRequest', () => {
  it('believes Fetch Metadata first: only same-origin and none (typed, bookmarked) are our own', () => {
    assert.equal(isCrossSiteRequest(requestWith({ 'sec-fetch-site': 'same-origin', origin: OWN }), OWN), false);
    assert.equal(isCrossSiteRequest(requestWith({ 'sec-fetch-site': 'none' }), OWN), false);
    assert.equal(isCrossSiteRequest(requestWith({ 'sec-fetch-site': 'cross-site' }), OWN), true);
    // A sibling subdomain is another application: SameSite does not protect against it.
    assert.equal(isCrossSiteRequest(requestWith({ 'Sec-Fetch-Site': 'same-site' }), OWN), true);
  });

  it('falls back on Origin, which every browser sends with a POST', () => {
    assert.equal(isCrossSiteRequest(requestWith({ origin: 'https://evil.example' }), OWN), true);
    assert.equal(isCrossSiteRequest(requestWith({ origin: 'null' }), OWN), true);
    assert.equal(isCrossSiteRequest(requestWith({ origin: 'https://id.example.com:8443' }), OWN), true);
    assert.equal(isCrossSiteRequest(requestWith({ origin: OWN }), OWN), false);
    // Fetch Metadata saying same-origin does not excuse a foreign Origin.
    assert.equal(isCrossSiteRequest(requestWith({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }), OWN), true);
  });

  it('treats a request with neither header (not from a page) as not foreign', () => {
    assert.equal(isCrossSiteRequest(requestWith({}), OWN), false);
  });
});
