import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REAUTHENTICATION_LIFETIME_S, REAUTHENTICATION_PARAM, ReauthenticationDemands } from '../../lib/oidc/reauthentication.js';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';
import { tamper, testClock, testProtector } from './session-fixtures.js';

const REQUEST = { response_type: 'code', client_id: 'spa', redirect_uri: 'https://app.example/cb', scope: 'openid', state: 's-1', prompt: 'login' };

function setup() {
  const clock = testClock();
  const repository = new InMemoryKeyRingRepository();
  return { clock, repository, demands: new ReauthenticationDemands({ protector: testProtector(clock, repository), clock }) };
}

const nowS = (clock: () => number) => Math.floor(clock() / 1000);

describe('ReauthenticationDemands', () => {
  it('gives back the demand time for the request it was attached to, on any instance sharing the ring', async () => {
    const { clock, repository, demands } = setup();
    const marked = await demands.attach(new URLSearchParams(REQUEST), nowS(clock));
    assert.equal(await demands.demandedAt(marked), nowS(clock));
    const otherInstance = new ReauthenticationDemands({ protector: testProtector(clock, repository), clock });
    assert.equal(await otherInstance.demandedAt(marked), nowS(clock));
    // The order of the parameters is not part of the request.
    const reordered = new URLSearchParams([...marked].reverse());
    assert.equal(await demands.demandedAt(reordered), nowS(clock));
  });

  it('replaces an earlier marker instead of adding a second one', async () => {
    const { clock, demands } = setup();
    const first = await demands.attach(new URLSearchParams(REQUEST), nowS(clock) - 100);
    const second = await demands.attach(first, nowS(clock));
    assert.equal(second.getAll(REAUTHENTICATION_PARAM).length, 1);
    assert.equal(await demands.demandedAt(second), nowS(clock));
  });

  it('knows no demand when the marker is missing, repeated, tampered, moved to another request, made for another purpose or expired', async () => {
    const { clock, repository, demands } = setup();
    const marked = await demands.attach(new URLSearchParams(REQUEST), nowS(clock));
    const marker = marked.get(REAUTHENTICATION_PARAM)!;
    const edited = (edit: (params: URLSearchParams) => void) => {
      const params = new URLSearchParams(marked);
      edit(params);
      return demands.demandedAt(params);
    };
    assert.equal(await demands.demandedAt(new URLSearchParams(REQUEST)), undefined, 'missing');
    assert.equal(await edited((p) => p.append(REAUTHENTICATION_PARAM, marker)), undefined, 'repeated');
    assert.equal(await edited((p) => p.set(REAUTHENTICATION_PARAM, tamper(marker))), undefined, 'tampered');
    assert.equal(await edited((p) => p.set(REAUTHENTICATION_PARAM, String(nowS(clock) - 3600))), undefined, 'a plain time');
    assert.equal(await edited((p) => p.set('state', 's-2')), undefined, 'another request');
    assert.equal(await edited((p) => p.append('authenticated_after', '0')), undefined, 'a parameter added');
    assert.equal(await edited((p) => p.delete('prompt')), undefined, 'a parameter removed');

    const session = await testProtector(clock, repository).forPurpose('session').protectJson({ at: 0, request: 'x' });
    assert.equal(await edited((p) => p.set(REAUTHENTICATION_PARAM, session)), undefined, 'another purpose');

    clock.advance(REAUTHENTICATION_LIFETIME_S + 1);
    assert.equal(await demands.demandedAt(marked), undefined, 'expired');
  });
});
