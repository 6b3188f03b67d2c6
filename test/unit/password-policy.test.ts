import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dictionary } from '@zxcvbn-ts/language-common';
import { checkNewPassword, MAX_PASSWORD_CHARACTERS, MIN_PASSWORD_CHARACTERS, passwordProblemText, type PasswordProblem } from '../../lib/auth/password-policy.js';

const owner = { email: 'Ada.Lovelace@Example.com', name: 'Ada Lovelace' };
const verdict = async (password: string, who = owner) => {
  const check = await checkNewPassword(password, who);
  return check.ok ? 'ok' : check.problem;
};

describe('password policy (NIST SP 800-63B)', () => {
  it(`asks for ${MIN_PASSWORD_CHARACTERS} characters and takes up to ${MAX_PASSWORD_CHARACTERS}, counted after NFKC`, async () => {
    assert.equal(await verdict('fourteen chars'), 'too_short');
    assert.equal(await verdict('fifteen chars!!'), 'ok');
    assert.equal(await verdict('w'.repeat(3) + 'x'.repeat(MAX_PASSWORD_CHARACTERS - 3)), 'ok');
    assert.equal(await verdict('w'.repeat(3) + 'x'.repeat(MAX_PASSWORD_CHARACTERS - 2)), 'too_long');
    // One emoji is one character, though two UTF-16 code units.
    assert.equal(await verdict('🙂🙃😀😁😂🤣😃😄😅😆😉😊😋😎'), 'too_short');
    assert.equal(await verdict('🙂🙃😀😁😂🤣😃😄😅😆😉😊😋😎😍'), 'ok');
    // Decomposed "é" (e + U+0301) is one character after NFKC, the form that is hashed.
    assert.equal(await verdict('cafe\u0301 au lait!!'), 'too_short');
    assert.equal(await verdict('cafe\u0301 au lait!!!'), 'ok');
  });

  it('allows any Unicode and has no composition rules', async () => {
    for (const password of ['alllowercaseletters', 'пароль без цифр и знаков', '密码不需要任何特殊字符号码很长', 'tab\tand\nnewline inside it']) {
      assert.equal(await verdict(password), 'ok', password);
    }
  });

  it('refuses the common and breached passwords of @zxcvbn-ts/language-common, whatever their case and spacing', async () => {
    const long = dictionary['passwords-common'].filter((p) => [...p].length >= MIN_PASSWORD_CHARACTERS);
    assert.ok(long.length > 10);
    for (const password of long) assert.equal(await verdict(password), 'common', password);
    assert.equal(await verdict(long[0]!.toUpperCase()), 'common');
    assert.equal(await verdict(` ${long[0]!} `), 'common');
  });

  it('refuses one short run repeated', async () => {
    for (const password of ['aaaaaaaaaaaaaaa', 'abababababababab', 'abcabcabcabcabc', '1234123412341234']) {
      assert.equal(await verdict(password), 'common', password);
    }
  });

  it("refuses the user's own address, its local part and name, in any case or spacing", async () => {
    const refused: PasswordProblem = 'personal';
    for (const password of ['ada.lovelace@example.com', 'my Ada.Lovelace password!', 'ADA LOVELACE forever 1815', 'adalovelace is the best']) {
      assert.equal(await verdict(password), refused, password);
    }
    // Too short a name is too likely to occur by chance to refuse on.
    assert.equal(await verdict('an older password here', { email: 'al@example.com', name: 'Al' }), 'ok');
  });

  it('explains each refusal', () => {
    for (const problem of ['too_short', 'too_long', 'common', 'personal'] as const) assert.ok(passwordProblemText(problem).length > 20);
  });
});
