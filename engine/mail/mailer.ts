/** The mail port: one message out. Adapters: `smtp.ts` (nodemailer); tests use a real in-process SMTP server. */
export interface OutgoingMail {
  /** Stable per outbox message, so a receiving server can recognise a resend. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}
