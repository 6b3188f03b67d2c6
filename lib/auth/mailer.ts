/** Plain-text mail, the only kind the server sends (codes and notices). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** SesMailer in deployed stages, OutboxMailer locally and in tests (config `mail.mode`). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
