/**
 * Reads the mail the servers "sent" (MAIL_MODE=outbox) from the TTL table they wrote it to, the
 * way a person reads their inbox in the middle of a flow.
 */
import { OutboxMailer, type OutboxMessage } from '../../lib/store/outbox-mailer.js';
import { systemClock } from '../../lib/clock.js';
import type { Config } from '../../lib/config.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';

export class OutboxReader {
  private readonly client;
  private readonly mailer: OutboxMailer;

  constructor(config: Config) {
    this.client = createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
    const cache = new TtlCache({ client: this.client, tableName: config.tables.cache, clock: systemClock });
    this.mailer = new OutboxMailer({ cache, clock: systemClock, log: () => {} });
  }

  /** Newest first. */
  latest(email: string, limit = 10): Promise<OutboxMessage[]> {
    return this.mailer.latest(email, limit);
  }

  /**
   * The newest message to `email` sent at or after `since`, waiting briefly for it (the page
   * that sent it has answered, but a read may still race the write on another connection).
   */
  async waitForMessage(email: string, since: Date, timeoutMs = 5000): Promise<OutboxMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [newest] = await this.latest(email, 1);
      if (newest && Date.parse(newest.sentAt) >= since.getTime()) return newest;
      if (Date.now() > deadline) {
        throw new Error(`no mail to ${email} since ${since.toISOString()} (newest: ${newest ? newest.sentAt : 'none'})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The one-time code (six digits) in the newest message to `email` since `since`. */
  async waitForCode(email: string, since: Date, timeoutMs?: number): Promise<string> {
    const message = await this.waitForMessage(email, since, timeoutMs);
    const codes = [...`${message.subject}\n${message.text}`.matchAll(/(?<!\d)(\d{6})(?!\d)/g)].map((m) => m[1]!);
    const distinct = [...new Set(codes)];
    if (distinct.length !== 1) throw new Error(`expected one 6-digit code in the mail to ${email}, found ${JSON.stringify(distinct)}:\n${message.text}`);
    return distinct[0]!;
  }

  close(): void {
    this.client.destroy();
  }
}
