/**
 * The mail port: one message out. Adapter: engine/adapters/smtp/smtp-mailer.ts (nodemailer); tests use a real in-process
 * SMTP server. Invariant: `send` resolves only once the receiving server accepted the message; a rejection
 * leaves the outbox message queued for a retry, and `messageId` lets the receiver recognise a resend.
 */
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
