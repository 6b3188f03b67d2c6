import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, MailMessage } from '../auth/mailer.js';

/** The part of SESv2Client we use (built by lib/runtime), so tests can pass a recording fake. */
export interface SendEmailClient {
  send(command: SendEmailCommand): Promise<unknown>;
}

/**
 * Sends through Amazon SES (v2 API). The from address must be a verified SES identity. A
 * configuration set, when given, is named on every send, so its bounce and complaint
 * suppression applies (infra/ses.yml).
 */
export class SesMailer implements Mailer {
  private readonly client: SendEmailClient;
  private readonly from: string;
  private readonly configurationSet: string | undefined;

  constructor(options: { from: string; client: SendEmailClient; configurationSet?: string }) {
    this.from = options.from;
    this.client = options.client;
    this.configurationSet = options.configurationSet || undefined;
  }

  async send(message: MailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        ...(this.configurationSet !== undefined && { ConfigurationSetName: this.configurationSet }),
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}
