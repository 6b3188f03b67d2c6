import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from 'qrcode';
import { newRecoveryCodes, normalizeRecoveryCode } from '../../lib/auth/recovery-codes.js';
import { newTotpSecret, totpUri } from '../../lib/auth/totp.js';
import { secondFactorPage } from '../../lib/pages/second-factor.js';
import { recoveryCodesPage, totpEnrolPage, twoFactorSection } from '../../lib/pages/two-factor.js';
import { qrCodeSvg } from '../../lib/pages/two-factor-qr.js';

describe('the QR code', () => {
  it('is one path of unit squares, one per dark module, with the quiet zone, and nothing CSP would block', () => {
    const uri = totpUri(newTotpSecret(), 'id.example', 'ada@example.com');
    const svg = qrCodeSvg(uri, 'QR code').toString();
    const { modules } = create(uri, { errorCorrectionLevel: 'M' });
    let dark = 0;
    for (let r = 0; r < modules.size; r++) for (let c = 0; c < modules.size; c++) if (modules.get(r, c)) dark++;
    assert.equal((svg.match(/h1v1h-1z/g) ?? []).length, dark);
    assert.match(svg, new RegExp(`viewBox="0 0 ${modules.size + 8} ${modules.size + 8}"`));
    assert.doesNotMatch(svg, /style|script|<image|href/i);
  });
});

describe('recovery codes', () => {
  it('are ten distinct 80-bit codes in groups of four', () => {
    const codes = newRecoveryCodes();
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
  });

  it('are read in any case and spacing, with the letters people confuse mapped as Crockford does', () => {
    assert.equal(normalizeRecoveryCode('ABCD-EFGH-JKMN-PQRS'), 'abcdefghjkmnpqrs');
    assert.equal(normalizeRecoveryCode(' abcd efgh jkmn pqrs '), 'abcdefghjkmnpqrs');
    assert.equal(normalizeRecoveryCode('OOOO-IIII-LLLL-0000'), '0000111111110000');
    assert.equal(normalizeRecoveryCode('abcd-efgh-jkmn-pqr'), undefined, 'too short');
    assert.equal(normalizeRecoveryCode('abcd-efgh-jkmn-pqru'), undefined, 'u is not in the alphabet');
    assert.equal(normalizeRecoveryCode('123456'), undefined);
  });
});

describe('two-factor pages', () => {
  it('the enrol page shows the key as text, labels the code field and keeps return_to', () => {
    const secret = newTotpSecret();
    const page = totpEnrolPage({ antiforgeryToken: 'af', returnTo: '/authorize?client_id=x', uri: totpUri(secret, 'id.example', 'a@example.com'), secret }).toString();
    assert.ok(page.includes(secret.slice(0, 4) + ' ' + secret.slice(4, 8)));
    assert.match(page, /<label for="field-code">Code from the app/);
    assert.match(page, /autocomplete="one-time-code"/);
    assert.match(page, /name="return_to" value="\/authorize\?client_id=x"/);
    assert.doesNotMatch(page, /<script|style=/);
  });

  it('the recovery codes page lists every code once', () => {
    const codes = newRecoveryCodes();
    const page = recoveryCodesPage({ codes, continueHref: '/account#two-factor', enabled: true }).toString();
    for (const code of codes) assert.equal(page.split(code).length - 1, 1);
  });

  it('the section says whether TOTP is on and how many recovery codes are left', () => {
    assert.match(twoFactorSection({ totp: false, recoveryCodesLeft: 0 }, 'af').toString(), /is off/);
    assert.match(twoFactorSection({ totp: true, recoveryCodesLeft: 1 }, 'af').toString(), /1 recovery code left/);
    assert.match(twoFactorSection({ totp: true, recoveryCodesLeft: 0 }, 'af').toString(), /no recovery codes left/);
  });

  it('the second step offers the code field when there is something to type, and the passkey otherwise', () => {
    assert.match(secondFactorPage({ antiforgeryToken: 'af', factors: { totp: true, recoveryCodesLeft: 10 } }).toString(), /authenticator app/);
    assert.match(secondFactorPage({ antiforgeryToken: 'af', factors: { totp: false, recoveryCodesLeft: 3 } }).toString(), /Recovery code/);
    const passkeyOnly = secondFactorPage({ antiforgeryToken: 'af', factors: { totp: false, recoveryCodesLeft: 0 } }).toString();
    assert.match(passkeyOnly, /Sign in with a passkey/);
    assert.doesNotMatch(passkeyOnly, /<form/);
  });
});
