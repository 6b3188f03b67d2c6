/**
 * The mailer a configuration names: SES in deployed stages, the outbox in the TTL table locally
 * (`MAIL_MODE`). One place, so the functions (mail-services.ts) and the operator CLIs that mail
 * users (`npm run users -- reset-mfa`) send the same way.
 */
import type { Mailer } from '../auth/mailer.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { OutboxMailer } from '../store/outbox-mailer.js';
import { SesMailer } from '../store/ses-mailer.js';
import type { TtlStore } from '../ttl-store.js';
import { createSesClient } from './ses-client.js';

export function mailerFor(config: Pick<Config, 'mail' | 'region'>, outbox: { cache: TtlStore; clock: Clock }): Mailer {
  if (config.mail.mode === 'outbox') return new OutboxMailer(outbox);
  return new SesMailer({ from: config.mail.from, configurationSet: config.mail.configurationSet, client: createSesClient({ region: config.region }) });
}
