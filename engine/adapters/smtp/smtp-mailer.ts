import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../../ports/mailer.js';

export interface SmtpOptions {
  /** e.g. smtp://user:pass@mail.example.com:587 or smtps://…:465 */
  url: string;
  from: string;
  /** Domain for Message-IDs. */
  domain?: string;
  /** Most messages per second this process sends. */
  ratePerSecond?: number;
}

/** SMTP through nodemailer, with a per-process rate limit so a burst of reminders does not trip the relay. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly limiter: RateLimiter;

  constructor(private readonly options: SmtpOptions) {
    // A pooled connection: a burst of reminders reuses sessions instead of opening one per message.
    const url = new URL(options.url);
    if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
    this.transport = nodemailer.createTransport(url.toString());
    this.limiter = new RateLimiter(options.ratePerSecond ?? 10);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.limiter.take();
    await this.transport.sendMail({
      from: this.options.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: `<${mail.messageId}@${this.options.domain ?? 'imsflow.local'}>`,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** Spaces calls at least 1/rate seconds apart, in arrival order. */
export class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number) {}

  async take(): Promise<void> {
    const interval = 1000 / this.perSecond;
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
