/**
 * `npm run outbox -- <email> [count]`: the latest mails the local outbox holds for an address,
 * newest first (default 5). Reads the same TTL table as the local stack (or the stage the
 * environment names).
 */
import { OutboxMailer } from '../lib/store/outbox-mailer.js';
import { systemClock } from '../lib/clock.js';
import { loadConfigSections } from '../lib/config.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { TtlCache } from '../lib/store/ttl-cache.js';
import { describeCliError, UsageError } from './cli-errors.js';
import { runIfMain } from './run-as-main.js';

const USAGE = 'usage:\n  outbox <email> [count]';

async function main(): Promise<void> {
  const [email, countArg] = process.argv.slice(2);
  const count = countArg === undefined ? 5 : Number(countArg);
  if (!email || !Number.isInteger(count) || count < 1) throw new UsageError(email ? `not a count: "${countArg}"` : 'missing email', USAGE);
  const config = loadConfigSections(['aws', 'cacheTable']);
  const client = documentClientFor(config);
  try {
    const cache = new TtlCache({ client, tableName: config.tables.cache, clock: systemClock });
    const messages = await new OutboxMailer({ cache, clock: systemClock }).latest(email, count);
    if (messages.length === 0) console.log(`no messages for ${email} in ${config.tables.cache}`);
    for (const message of messages) {
      console.log(`--- ${message.sentAt}  to: ${message.to}`);
      console.log(`Subject: ${message.subject}\n`);
      console.log(`${message.text}\n`);
    }
  } finally {
    client.destroy();
  }
}

runIfMain(import.meta.url, main, { exitCodeFor: (error) => (error instanceof UsageError ? 2 : 1), describe: describeCliError });
