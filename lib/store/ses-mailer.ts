import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, MailMessage } from '../auth/mailer.js';

/** The part of SESv2Client we use (built by lib/runtime), so tests can pass a recording fake. */
export interface SendEmailClient {
  send(command: SendEmailCommand): Promise<unknown>;
}

/** Sends through Amazon SES (v2 API). The from address must be a verified SES identity. */
export class SesMailer implements Mailer {
  private readonly client: SendEmailClient;
  private readonly from: string;

  constructor(options: { from: string; client: SendEmailClient }) {
    this.from = options.from;
    this.client = options.client;
  }

  async send(message: MailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
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
