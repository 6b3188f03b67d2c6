/**
 * The pages, end to end, against three independent `osls offline` instances that share nothing
 * but DynamoDB Local and the local KMS. Every form is rendered by one instance and submitted to
 * another, which is exactly what breaks when an instance keeps keys or flow state to itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { SessionClient, type Page, type Target } from '../support/session-client.js';
import { links } from '../support/html-forms.js';

let cluster: E2eCluster;
let outbox: OutboxReader;

before(async () => {
  cluster = await e2eCluster();
  outbox = new OutboxReader(cluster.config);
});

after(() => outbox?.close());

const newEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'correct horse battery staple 42';

function client(target: Target = 'rotate'): SessionClient {
  return new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, target });
}

/** Path and query of a Location header, whether absolute (on the issuer) or relative. */
function locationPath(page: Page): string {
  assert.ok(page.location, `expected a Location header: ${page.describe()}`);
  const url = new URL(page.location, cluster.proxyUrl);
  assert.equal(url.origin, new URL(cluster.proxyUrl).origin, `redirect leaves the site: ${page.location}`);
  return url.pathname + url.search;
}

function assertHtml(page: Page, status: number): void {
  assert.equal(page.status, status, page.describe());
  assert.match(page.contentType, /^text\/html/, page.describe());
}

/** GETs a form page on `on` and checks the contract its form (the one with `fields`) keeps. */
async function formPage(c: SessionClient, path: string, on: number, fields: string[]): Promise<Page> {
  const page = await c.get(path, { on });
  assertHtml(page, 200);
  const form = page.form(undefined, fields);
  assert.equal(form.method, 'POST');
  assert.equal(new URL(form.action || path, 'http://x').pathname, new URL(path, 'http://x').pathname, 'a form posts to its own URL');
  assert.ok(form.fields.some(([name, value]) => name === '_af' && value.length > 20), `form has a hidden _af token: ${form.html}`);
  assert.equal(form.inputs._af?.type, 'hidden');
  assert.ok(c.cookie('__Host-af'), `__Host-af cookie set: ${page.setCookies.join(' | ')}`);
  return page;
}

/** Submits the page's form on the next instance after the one that rendered it, and proves it. */
async function submitElsewhere(c: SessionClient, page: Page, overrides: Record<string, string | undefined> = {}): Promise<Page> {
  const on = c.otherThan(page.servedBy);
  const answer = await c.submit(page, { on, overrides });
  assert.notEqual(answer.servedBy, page.servedBy, 'the POST must land on another instance than the GET');
  assert.notEqual(answer.status, 500, answer.describe());
  return answer;
}

function assertSignedIn(page: Page, email: string): void {
  assertHtml(page, 200);
  assert.ok(page.text.includes(`Signed in as ${email}`), `expected "Signed in as ${email}": ${page.describe()}`);
}

function assertSignedOut(page: Page): void {
  assertHtml(page, 200);
  assert.ok(!page.text.includes('Signed in as'), `expected signed out: ${page.describe()}`);
  const hrefs = links(page.body).map((href) => new URL(href, 'http://x').pathname);
  assert.ok(hrefs.includes('/login'), `signed-out home links to /login: ${hrefs.join(', ')}`);
  assert.ok(hrefs.includes('/register'), `signed-out home links to /register: ${hrefs.join(', ')}`);
}

function assertHostCookie(page: Page, name: string): void {
  const [line] = page.cookieLines(name);
  assert.ok(line, `${page.describe()} sets ${name}; Set-Cookie: ${page.setCookies.join(' | ')}`);
  assert.match(line, /;\s*Secure/i);
  assert.match(line, /;\s*HttpOnly/i);
  assert.match(line, /;\s*Path=\/(;|$)/);
  assert.doesNotMatch(line, /;\s*Domain=/i);
}

/** A clear 400 page from an antiforgery (or flow cookie) failure, with a way to start again. */
function assertAntiforgeryRejected(page: Page, startAgainPath: string): void {
  assertHtml(page, 400);
  const hrefs = links(page.body).map((href) => new URL(href, 'http://x').pathname);
  assert.ok(hrefs.includes(startAgainPath), `400 page links back to ${startAgainPath}; links: ${hrefs.join(', ')}; ${page.describe()}`);
  assert.ok(!page.text.includes('Signed in as'));
}

/** Registration across three instances; returns the client, signed in. */
async function register(
  email: string,
  name = 'Test User',
  password = PASSWORD,
  returnTo?: string,
): Promise<{ c: SessionClient; pages: Page[] }> {
  const c = client();
  const start = await formPage(c, returnTo ? `/register?return_to=${encodeURIComponent(returnTo)}` : '/register', 0, ['email']);
  assert.ok(start.hasField('email'), start.describe());

  const sent = new Date();
  const codeStep = await submitElsewhere(c, start, { email });
  assertHtml(codeStep, 200);
  assert.ok(codeStep.hasField('code'), `registration asks for the code: ${codeStep.describe()}`);
  assert.ok(c.cookie('__Host-reg'), `__Host-reg set: ${codeStep.setCookies.join(' | ')}`);
  const code = await outbox.waitForCode(email, sent);

  const profileStep = await submitElsewhere(c, codeStep, { code });
  assertHtml(profileStep, 200);
  assert.ok(profileStep.hasField('name') && profileStep.hasField('password'), `registration asks for name and password: ${profileStep.describe()}`);

  const done = await submitElsewhere(c, profileStep, { name, password });
  assert.equal(done.status, 303, done.describe());
  assert.equal(locationPath(done), returnTo ?? '/');
  assert.ok(c.cookie('__Host-session'), `__Host-session set: ${done.setCookies.join(' | ')}`);
  return { c, pages: [start, codeStep, profileStep, done] };
}

async function passwordLogin(c: SessionClient, email: string, password: string, path = '/login'): Promise<{ form: Page; answer: Page }> {
  const form = await formPage(c, path, c.nextInstance, ['email', 'password']);
  assert.ok(form.hasField('email') && form.hasField('password'), form.describe());
  const answer = await submitElsewhere(c, form, { email, password });
  return { form, answer };
}

describe('the cluster', () => {
  test('serves discovery with the load balancer as issuer, from every instance in turn', async () => {
    const c = client('proxy');
    const served: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await c.get('/.well-known/openid-configuration');
      assert.equal(answer.status, 200);
      assert.equal((JSON.parse(answer.body) as { issuer: string }).issuer, cluster.proxyUrl);
      served.push(answer.servedBy ?? -1);
    }
    assert.deepEqual([...served].sort(), [0, 1, 2], `round robin without affinity: ${served.join(',')}`);
    assert.equal(new Set(cluster.instanceUrls).size, 3);
  });
});

describe('registration', () => {
  test('email, code from the mail, name and password: each step on another instance, then signed in everywhere', async () => {
    const email = newEmail('reg');
    const { c, pages } = await register(email);
    const [start, codeStep, profileStep, done] = pages as [Page, Page, Page, Page];
    assertHostCookie(start, '__Host-af');
    assertHostCookie(codeStep, '__Host-reg');
    assertHostCookie(done, '__Host-session');
    assert.deepEqual(
      pages.map((p) => p.servedBy),
      [0, 1, 2, 0],
      'each step ran on the next instance',
    );
    const input = codeStep.form(undefined, ['code']).inputs.code ?? {};
    assert.equal(input.autocomplete, 'one-time-code');
    assert.equal(input.inputmode, 'numeric');
    assert.equal(profileStep.form(undefined, ['password']).inputs.password?.type, 'password');
    for (const on of [0, 1, 2]) assertSignedIn(await c.get('/', { on }), email);
  });

  test('return_to rides along every step as a hidden field and is where registration ends', async () => {
    const returnTo = '/login/code?x=%C3%A9&y=2';
    const { pages } = await register(newEmail('regrt'), 'Return User', PASSWORD, returnTo);
    for (const [i, page] of pages.slice(0, 3).entries()) {
      const fields = page.form(undefined, [['email', 'code', 'password'][i]!]).fields;
      assert.ok(
        fields.some(([name, value]) => name === 'return_to' && value === returnTo),
        `step ${i + 1} keeps return_to: ${JSON.stringify(fields.filter(([n]) => n !== '_af'))}`,
      );
    }
  });

  test('a wrong code is refused with a 400 page and registers nobody', async () => {
    const c = client();
    const email = newEmail('regbad');
    const start = await formPage(c, '/register', 1, ['email']);
    const sent = new Date();
    const codeStep = await submitElsewhere(c, start, { email });
    assert.ok(codeStep.hasField('code'), codeStep.describe());
    const real = await outbox.waitForCode(email, sent);
    const wrong = real === '000000' ? '111111' : '000000';
    const answer = await submitElsewhere(c, codeStep, { code: wrong });
    assertHtml(answer, 400);
    assert.ok(!c.cookie('__Host-session'), 'no session after a wrong code');
    assert.ok(!answer.hasField('password'), `no password step after a wrong code: ${answer.describe()}`);
  });
});

describe('password sign-in', () => {
  const email = newEmail('pw');
  before(async () => {
    await register(email);
  });

  test('through the load balancer: form and POST on different instances, then signed in', async () => {
    const c = client('proxy');
    const form = await c.get('/login');
    assertHtml(form, 200);
    const answer = await c.submit(form, { overrides: { email, password: PASSWORD } });
    assert.notEqual(answer.servedBy, form.servedBy, `GET on ${form.servedBy}, POST on ${answer.servedBy}`);
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), '/');
    assertHostCookie(answer, '__Host-session');
    const home = await c.follow(answer);
    assert.notEqual(home.servedBy, answer.servedBy);
    assertSignedIn(home, email);
  });

  test('return_to survives the form and is where sign-in goes', async () => {
    const c = client();
    const { form, answer } = await passwordLogin(c, email, PASSWORD, '/login?return_to=%2Fregister%3Fx%3D1');
    assert.ok(
      form.form(undefined, ['password']).fields.some(([name, value]) => name === 'return_to' && value === '/register?x=1'),
      `hidden return_to kept: ${form.form(undefined, ['password']).html}`,
    );
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), '/register?x=1');
  });

  test('an unsafe return_to is not followed', async () => {
    const c = client();
    const { answer } = await passwordLogin(c, email, PASSWORD, '/login?return_to=%2F%2Fevil.example%2F');
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), '/');
  });

  test('a wrong password and an unknown address get the same 401 page', async () => {
    const wrongPassword = await passwordLogin(client(), email, 'not the password');
    const unknown = await passwordLogin(client(), newEmail('nobody'), 'not the password');
    for (const { answer } of [wrongPassword, unknown]) {
      assertHtml(answer, 401);
      assert.ok(!answer.setCookies.some((l) => l.startsWith('__Host-session=') && !/Max-Age=0/i.test(l)), 'no session on failure');
    }
    const scrub = (page: Page) => page.text.replace(/[\w.+-]+@example\.com/g, 'EMAIL');
    assert.equal(scrub(wrongPassword.answer), scrub(unknown.answer), 'the message does not tell which was wrong');
  });

  test('repeated failures from one source on any instance pause that source (429), even for the right password', async () => {
    const victim = newEmail('lock');
    await register(victim);
    const max = cluster.config.bruteForce.perAccountAndSource.max;
    for (let i = 1; i <= max; i++) {
      const { answer } = await passwordLogin(client(), victim, `wrong ${i}`);
      assertHtml(answer, 401);
    }
    const { answer } = await passwordLogin(client(), victim, PASSWORD);
    assertHtml(answer, 429);
    assert.ok(!answer.cookieLines('__Host-session').some((l) => !/Max-Age=0/i.test(l)), 'no session while paused');
  });
});

describe('code sign-in', () => {
  /**
   * A registered user of its own for each test: a second code for the same address within
   * OTP_RESEND_AFTER_S is (by design) not sent.
   */
  async function newUser(): Promise<string> {
    const email = newEmail('otp');
    await register(email);
    return email;
  }

  async function requestCode(c: SessionClient, email: string): Promise<{ codeStep: Page; code: string }> {
    const start = await formPage(c, '/login/code', c.nextInstance, ['email']);
    const sent = new Date();
    const codeStep = await submitElsewhere(c, start, { email });
    assertHtml(codeStep, 200);
    assert.ok(codeStep.hasField('code'), codeStep.describe());
    assertHostCookie(codeStep, '__Host-otp');
    const input = codeStep.form(undefined, ['code']).inputs.code ?? {};
    assert.equal(input.autocomplete, 'one-time-code');
    assert.equal(input.inputmode, 'numeric');
    return { codeStep, code: await outbox.waitForCode(email, sent) };
  }

  test('email, then the mailed code on another instance: signed in', async () => {
    const email = await newUser();
    const c = client();
    const { codeStep, code } = await requestCode(c, email);
    const answer = await submitElsewhere(c, codeStep, { code });
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), '/');
    assertHostCookie(answer, '__Host-session');
    assertSignedIn(await c.get('/', { on: c.otherThan(answer.servedBy) }), email);
  });

  test('a wrong code gets a 400 page and no session; the right one still works after it', async () => {
    const email = await newUser();
    const c = client();
    const { codeStep, code } = await requestCode(c, email);
    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await submitElsewhere(c, codeStep, { code: wrong });
    assertHtml(refused, 400);
    assert.ok(!c.cookie('__Host-session'));
    const answer = await submitElsewhere(c, codeStep, { code });
    assert.equal(answer.status, 303, answer.describe());
    assertSignedIn(await c.get('/'), email);
  });

  test('return_to survives both steps and is where sign-in goes', async () => {
    const email = await newUser();
    const c = client();
    const returnTo = '/register?from=code';
    const start = await formPage(c, `/login/code?return_to=${encodeURIComponent(returnTo)}`, c.nextInstance, ['email']);
    const sent = new Date();
    const codeStep = await submitElsewhere(c, start, { email });
    assert.ok(
      codeStep.form(undefined, ['code']).fields.some(([name, value]) => name === 'return_to' && value === returnTo),
      `the code form keeps return_to: ${codeStep.form(undefined, ['code']).html}`,
    );
    const answer = await submitElsewhere(c, codeStep, { code: await outbox.waitForCode(email, sent) });
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), returnTo);
  });

  test('a code is single use', async () => {
    const c = client();
    const { codeStep, code } = await requestCode(c, await newUser());
    // A second browser with the same flow and antiforgery cookies, to replay the same POST.
    const replay = client();
    for (const [name, value] of Object.entries(c.cookieValues())) replay.setCookie(name, value);
    const first = await submitElsewhere(c, codeStep, { code });
    assert.equal(first.status, 303, first.describe());
    const second = await replay.submit(codeStep, { on: c.otherThan(first.servedBy), overrides: { code } });
    assert.ok(second.status === 400, `a used code is refused: ${second.describe()}`);
    assert.ok(!second.cookieLines('__Host-session').some((l) => !/Max-Age=0/i.test(l)));
  });
});

describe('sign-out', () => {
  test('revokes the session on every instance, even for a replayed cookie', async () => {
    const email = newEmail('out');
    const { c } = await register(email);
    const oldSession = c.cookie('__Host-session')?.value;
    assert.ok(oldSession);

    const home = await c.get('/', { on: 1 });
    assertSignedIn(home, email);
    const signOut = home.form('/logout');
    assert.equal(signOut.method, 'POST');
    assert.ok(signOut.fields.some(([name]) => name === '_af'));

    const answer = await c.submit(home, { form: '/logout', on: 2 });
    assert.equal(answer.status, 303, answer.describe());
    assert.equal(locationPath(answer), '/');
    assert.ok(!c.cookie('__Host-session'), `session cookie cleared: ${answer.setCookies.join(' | ')}`);
    assertSignedOut(await c.follow(answer, { on: 0 }));

    // The browser forgot the cookie; an attacker who copied it did not.
    const replay = client();
    replay.setCookie('__Host-session', oldSession);
    for (const on of [0, 1, 2]) assertSignedOut(await replay.get('/', { on }));
  });

  test('another session of the same user stays signed in', async () => {
    const email = newEmail('two');
    const { c: first } = await register(email);
    const second = client();
    const { answer } = await passwordLogin(second, email, PASSWORD);
    assert.equal(answer.status, 303, answer.describe());
    const home = await first.get('/', { on: 0 });
    const out = await first.submit(home, { form: '/logout', on: 1 });
    assert.equal(out.status, 303, out.describe());
    assertSignedIn(await second.get('/', { on: 2 }), email);
  });
});

describe('antiforgery', () => {
  const email = newEmail('af');
  before(async () => {
    await register(email);
  });

  test('a POST without the form token, or with a tampered one, is a 400 page on any instance', async () => {
    const c = client();
    const form = await formPage(c, '/login', 0, ['email', 'password']);
    const token = form.form(undefined, ['password']).fields.find(([n]) => n === '_af')![1];
    const tampered = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
    for (const [on, overrides] of [
      [1, { _af: undefined }],
      [2, { _af: tampered }],
      [1, { _af: token.slice(0, -4) }],
      [2, { _af: '' }],
    ] as const) {
      const answer = await c.submit(form, { on, overrides: { email, password: PASSWORD, ...overrides } });
      assertAntiforgeryRejected(answer, '/login');
      assert.ok(!answer.cookieLines('__Host-session').length, 'no session from a rejected POST');
    }
  });

  test('a missing or tampered antiforgery cookie is a 400 page', async () => {
    const c = client();
    const form = await formPage(c, '/login', 1, ['email', 'password']);
    const cookie = c.cookie('__Host-af')!.value;
    const flipped = cookie.slice(0, 30) + (cookie[30] === 'A' ? 'B' : 'A') + cookie.slice(31);
    for (const cookies of [{}, { '__Host-af': flipped }, { '__Host-af': 'garbage' }] as Record<string, string>[]) {
      const answer = await c.submit(form, { on: 2, cookies, keepJar: true, overrides: { email, password: PASSWORD } });
      assertAntiforgeryRejected(answer, '/login');
    }
  });

  test("one browser's form token with another browser's cookie is a 400 page", async () => {
    const alice = client();
    const mallory = client();
    const aliceForm = await formPage(alice, '/login', 0, ['email', 'password']);
    await formPage(mallory, '/login', 1, ['email', 'password']);
    // Both halves are genuine, but they were not made for each other.
    const answer = await alice.submit(aliceForm, {
      on: 2,
      cookies: { '__Host-af': mallory.cookie('__Host-af')!.value },
      keepJar: true,
      overrides: { email, password: PASSWORD },
    });
    assertAntiforgeryRejected(answer, '/login');
    // And the genuine pair still works, so the 400 was about the swap.
    const ok = await alice.submit(aliceForm, { on: 1, overrides: { email, password: PASSWORD } });
    assert.equal(ok.status, 303, ok.describe());
  });

  test("a registration step submitted with another flow's cookie is a 400 page", async () => {
    const alice = client();
    const bob = client();
    const step = async (c: SessionClient, address: string) => {
      const start = await formPage(c, '/register', 0, ['email']);
      return submitElsewhere(c, start, { email: address });
    };
    const aliceCode = await step(alice, newEmail('flowa'));
    await step(bob, newEmail('flowb'));
    assert.ok(aliceCode.hasField('code'), aliceCode.describe());
    const cookies = { ...alice.cookieValues(), '__Host-reg': bob.cookie('__Host-reg')!.value };
    const answer = await alice.submit(aliceCode, { on: 2, cookies, keepJar: true, overrides: { code: '123456' } });
    assertAntiforgeryRejected(answer, '/register');
  });

  test("a sign-out form submitted with another user's session is a 400 page and signs nobody out", async () => {
    const { c: alice } = await register(newEmail('soa'));
    const bobEmail = newEmail('sob');
    const { c: bob } = await register(bobEmail);
    const aliceHome = await alice.get('/', { on: 0 });
    const answer = await alice.submit(aliceHome, {
      form: '/logout',
      on: 1,
      cookies: { ...alice.cookieValues(), '__Host-session': bob.cookie('__Host-session')!.value },
      keepJar: true,
    });
    assertAntiforgeryRejected(answer, '/');
    assertSignedIn(await bob.get('/', { on: 2 }), bobEmail);
  });
});

describe('a tampered session cookie', () => {
  test('is treated as signed out, never as an error', async () => {
    const email = newEmail('tamper');
    const { c } = await register(email);
    const value = c.cookie('__Host-session')!.value;
    const middle = Math.floor(value.length / 2);
    const variants = [
      value.slice(0, middle) + (value[middle] === 'A' ? 'B' : 'A') + value.slice(middle + 1),
      value.slice(0, -1),
      value + 'AAAA',
      'garbage',
      '',
      '%%%',
    ];
    for (const [i, variant] of variants.entries()) {
      const answer = await c.get('/', { on: i % 3, cookies: { '__Host-session': variant }, keepJar: true });
      assertSignedOut(answer);
    }
    assertSignedIn(await c.get('/', { on: 0 }), email);
  });
});
