import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentAuthentication, reauthenticationUrl } from '../../lib/pages/recent-authentication.js';
import type { AuthMethod } from '../../lib/session/sessions.js';

const NOW_S = 2_000_000_000;
const RECENT_AUTH_S = 300;

function recentFor(withSecondFactor: boolean) {
  const asked: string[] = [];
  const recent = new RecentAuthentication({
    secondFactors: { has: async (userId) => (asked.push(userId), withSecondFactor) },
    settings: { recentAuthS: RECENT_AUTH_S },
    clock: () => NOW_S * 1000,
  });
  return { asked, isRecent: (methods: AuthMethod[], ageS: number) => recent.isRecent({ subject: 'u1', authTime: NOW_S - ageS, methods }) };
}

describe('recent authentication', () => {
  it(`counts a sign-in within RECENT_AUTH_S (${RECENT_AUTH_S} s), not one before`, async () => {
    const { isRecent } = recentFor(false);
    assert.equal(await isRecent(['pwd'], 0), true);
    assert.equal(await isRecent(['pwd'], RECENT_AUTH_S), true);
    assert.equal(await isRecent(['pwd'], RECENT_AUTH_S + 1), false);
  });

  it('counts a code-only sign-in for an account without a second factor', async () => {
    const { isRecent, asked } = recentFor(false);
    assert.equal(await isRecent(['otp'], 10), true);
    assert.deepEqual(asked, ['u1']);
  });

  it('does not count a code-only sign-in for an account with a second factor, but does count it with the second factor', async () => {
    const { isRecent, asked } = recentFor(true);
    assert.equal(await isRecent(['otp'], 10), false);
    assert.equal(await isRecent(['otp', 'mfa'], 10), true);
    assert.equal(await isRecent(['pwd'], 10), true);
    assert.equal(await isRecent(['hwk', 'user'], 10), true);
    assert.deepEqual(asked, ['u1'], 'the second factor is looked up only for a code-only sign-in');
  });

  it('sends the user to sign in and back, the address filled in', () => {
    assert.equal(reauthenticationUrl('/account/email', 'a+b@example.com'), '/login?return_to=%2Faccount%2Femail&login_hint=a%2Bb%40example.com');
  });
});
