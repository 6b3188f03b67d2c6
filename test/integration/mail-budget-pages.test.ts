/**
 * The mail budget end to end, on DynamoDB Local: the page handlers (/register, /login/code)
 * invoked as Lambda would, with the default per-source budget (10 mails an hour) and a global
 * cap of 40 a minute that the last test trips; and the breaker's sharded counter on the real TTL
 * table from several instances with a driven clock.
 *
 * The incident: one source mailed 15 new addresses in 7 s through /register and /login/code.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MailBudget, type MailCircuitOpened } from '../../lib/auth/mail-budget.js';
import { systemClock } from '../../lib/clock.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { httpEvent } from '../support/fake-http-event.js';
import { parseForms, submitFields, type HtmlForm } from '../support/html-forms.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { captureOutput } from '../support/captured-output.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let stack: TestStack;
let outbox: OutboxReader;
const handlers: Record<string, Handler> = {};

before(async () => {
  // The production per-source defaults, over the test stack's generous ones.
  stack = await startTestStack({
    // A global cap of 40 a minute (over 4 shards): the tests before the breaker's mail 23 in all.
    env: { MAIL_MAX_PER_SOURCE_PER_HOUR: '10', MAIL_MAX_PER_SOURCE_PER_DAY: '30', MAIL_MAX_PER_MINUTE: '40', MAIL_COUNTER_SHARDS: '4' },
  });
  Object.assign(process.env, stack.env);
  handlers['/login/code'] = (await import('../../functions/login-code.js')).handler;
  handlers['/register'] = (await import('../../functions/register.js')).handler;
  outbox = new OutboxReader(stack.config);
});

after(async () => {
  outbox?.close();
  await stack?.close();
});

const context = { awsRequestId: 'test' } as Context;
const newEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
  setCookies: string[];
  forms: HtmlForm[];
}

/** A fresh browser from `ip` asks `path` (/register or /login/code) to mail `email`. */
async function askForMail(path: string, email: string, ip: string): Promise<Answer> {
  const jar = new Map<string, string>();
  const send = async (method: string, body?: string): Promise<Answer> => {
    const result = await handlers[path]!(httpEvent(method, path, { body, cookies: jar, ip }), context);
    const setCookies = result.cookies ?? [];
    for (const line of setCookies) {
      const pair = line.split(';')[0]!;
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const text = result.body ?? '';
    return { status: result.statusCode ?? 200, body: text, headers: (result.headers ?? {}) as Record<string, string>, setCookies, forms: parseForms(text) };
  };
  const page = await send('GET');
  const form = page.forms.find((f) => f.inputNames.includes('email'));
  assert.ok(form, page.body);
  return send('POST', submitFields(form, { email }).toString());
}

async function mailsTo(email: string): Promise<number> {
  return (await outbox.latest(email)).length;
}

/** A refusal without what may differ between two requests: tokens, the echoed address, the clock's second. */
function comparable(answer: Answer, email: string) {
  return {
    status: answer.status,
    headers: Object.keys(answer.headers).sort(),
    cookies: answer.setCookies.map((line) => line.split('=')[0]),
    body: answer.body
      .replaceAll(email, '<email>')
      .replace(/name="_af" value="[^"]*"/g, '')
      .replace(/Try again in \d+ \w+\./, 'Try again in <wait>.'),
  };
}

describe('mail budget through the page handlers', () => {
  const attacker = '198.51.100.66';

  it('refuses one source after 10 of 15 new addresses (429, Retry-After, no mail), while another source still can', async () => {
    const addresses = Array.from({ length: 15 }, (_, i) => newEmail(`flood${i}`));
    for (const [i, email] of addresses.entries()) {
      const path = i % 2 === 0 ? '/register' : '/login/code';
      const answer = await askForMail(path, email, attacker);
      if (i < 10) {
        assert.equal(answer.status, 200, `${path} #${i + 1}: ${answer.body}`);
        continue;
      }
      assert.equal(answer.status, 429, `${path} #${i + 1}`);
      const retryAfter = Number(answer.headers['Retry-After']);
      assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      assert.match(answer.body, /Too many emails were sent from your network\. Try again in (59|60) minutes\./);
      assert.ok(!answer.setCookies.some((c) => /^__Host-(reg|otp)=[^;]/.test(c)), 'no flow is started');
    }
    const counts = await Promise.all(addresses.map(mailsTo));
    assert.deepEqual(counts, [...Array<number>(10).fill(1), ...Array<number>(5).fill(0)]);

    for (const path of ['/register', '/login/code']) {
      const email = newEmail('other');
      assert.equal((await askForMail(path, email, '203.0.113.5')).status, 200, path);
      assert.equal(await mailsTo(email), 1);
    }
  });

  it('counts an IPv6 /64 as one source', async () => {
    for (let i = 1; i <= 10; i++) assert.equal((await askForMail('/register', newEmail('v6'), `2001:db8:77:1::${i}`)).status, 200);
    const email = newEmail('v6');
    assert.equal((await askForMail('/login/code', email, '2001:db8:77:1:abcd::1')).status, 429);
    assert.equal(await mailsTo(email), 0);
    assert.equal((await askForMail('/login/code', newEmail('v6'), '2001:db8:77:2::1')).status, 200, 'the next /64 is another source');
  });

  it('answers past the budget the same whether or not the address has an account', async () => {
    const users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
    const existing = newEmail('existing');
    await users.create({ email: existing, name: 'Ada', passwordHash: 'x', emailVerified: true });
    const fresh = newEmail('fresh');
    for (const path of ['/register', '/login/code']) {
      const [forExisting, forFresh] = [await askForMail(path, existing, attacker), await askForMail(path, fresh, attacker)];
      assert.equal(forExisting.status, 429);
      assert.deepEqual(comparable(forExisting, existing), comparable(forFresh, fresh), path);
      assert.ok(Math.abs(Number(forExisting.headers['Retry-After']) - Number(forFresh.headers['Retry-After'])) <= 1);
    }
    assert.equal(await mailsTo(existing), 0);
  });

  it('trips the global breaker at the cap: 503 + Retry-After on both pages for every source, no mail, one MailCircuitOpen', async (t) => {
    const output = captureOutput(t);
    let tripped = false;
    // Every mail from a source of its own: only the global cap can refuse them.
    for (let i = 1; i <= 41 && !tripped; i++) {
      const answer = await askForMail(i % 2 === 0 ? '/login/code' : '/register', newEmail('many'), `192.0.2.${i}`);
      tripped = answer.status === 503;
      if (!tripped) assert.equal(answer.status, 200, answer.body);
    }
    assert.ok(tripped, 'at most MAIL_MAX_PER_MINUTE mails go out in a minute');
    for (const path of ['/register', '/login/code']) {
      const email = newEmail('refused');
      const answer = await askForMail(path, email, '198.18.0.1');
      assert.equal(answer.status, 503, path);
      const retryAfter = Number(answer.headers['Retry-After']);
      assert.ok(retryAfter > 100 && retryAfter <= 120, `Retry-After ${retryAfter}`);
      assert.match(answer.body, /Temporarily unavailable/);
      assert.equal(await mailsTo(email), 0);
    }
    assert.equal(output.metrics.get('MailCircuitOpen'), 1, 'one metric per trip, not per refused mail');
    assert.equal(output.records.filter((record) => String(record.message).startsWith('mail circuit open')).length, 1);
  });
});

describe('mail breaker on DynamoDB Local', () => {
  // Tables of its own: the page handlers above have counted their mails in the shared shards.
  let own: TestStack;
  before(async () => {
    own = await startTestStack();
  });
  after(async () => {
    await own?.close();
  });

  it('trips at the per-minute cap over the shards, reports once, and closes after the cool-down', async () => {
    let now = Date.now();
    const clock = () => now;
    const opened: MailCircuitOpened[] = [];
    const settings = { perSourcePerHour: 100, perSourcePerDay: 100, perMinute: 12, shards: 4, circuitCooldownS: 120 };
    // Several instances, each with its own client, sharing the table.
    const instances = Array.from({ length: 3 }, () => {
      const cache = new TtlCache({ client: own.documentClient(), tableName: own.config.tables.cache, clock });
      return new MailBudget({ cache, settings, clock, onCircuitOpen: (event) => opened.push(event) });
    });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => instances[i % 3]!.reserve(`10.0.0.${i}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value.ok).length, 12);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(refused.length, 18);
    assert.ok(refused.every((r) => r.reason instanceof DependencyUnavailableError && r.reason.dependency === 'mail'));
    assert.equal(opened.length, 1, 'one report per trip, whichever instance tripped it');

    now += 120_000;
    assert.equal((await instances[1]!.reserve('10.9.9.9')).ok, true, 'closed again after the cool-down');
  });
});
