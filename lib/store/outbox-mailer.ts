import type { Clock } from '../clock.js';
import type { TtlStore } from '../ttl-store.js';
import { normalizeEmail } from '../auth/email-address.js';
import type { Mailer, MailMessage } from '../auth/mailer.js';
import { logger } from '../observability/logger.js';

/**
 * The local stack's mail: messages go to the TTL table (`outbox#<address>`, the last
 * KEEP_PER_ADDRESS messages, kept a day after the last one) and to the console, so a developer
 * reads codes with `npm run outbox -- <email>` or in the server log, and tests read them with
 * `latest`. Printing the message text is the point of a dev outbox; this mailer is never
 * configured in deployed stages (they use SesMailer).
 */
export type OutboxMessage = MailMessage & { sentAt: string };

const OUTBOX_TTL_S = 24 * 60 * 60;
const KEEP_PER_ADDRESS = 20;

export class OutboxMailer implements Mailer {
  private readonly cache: TtlStore;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;

  constructor(options: { cache: TtlStore; clock: Clock; log?: (line: string) => void }) {
    this.cache = options.cache;
    this.clock = options.clock;
    this.log = options.log ?? ((line) => logger.info('outbox mail (local stage only)', { mail: line }));
  }

  async send(message: MailMessage): Promise<void> {
    const entry: OutboxMessage = { to: message.to, subject: message.subject, text: message.text, sentAt: new Date(this.clock()).toISOString() };
    await this.cache.append(outboxKey(message.to), 'messages', [entry], { ttlS: OUTBOX_TTL_S, keepLast: KEEP_PER_ADDRESS });
    this.log(`[outbox] to=${message.to} subject=${message.subject}\n${indent(message.text)}`);
  }

  /** Newest first. */
  async latest(email: string, limit = 10): Promise<OutboxMessage[]> {
    const item = await this.cache.get<{ messages?: OutboxMessage[] }>(outboxKey(email));
    const messages = item?.messages ?? [];
    if (limit <= 0) return [];
    return messages.slice(-limit).reverse();
  }
}

function outboxKey(address: string): string {
  return `outbox#${normalizeEmail(address) ?? address.trim().toLowerCase()}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
