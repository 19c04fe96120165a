import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process (smtp-server), parsing what arrives with postal-mime. It can
 * refuse mail (as a server that is down or failing would) and hold a message before accepting it.
 */
export class TestSmtpServer {
  readonly received: Email[] = [];
  /** While set, every message is refused with this SMTP reply. */
  refuseWith: string | undefined;
  /** While set, a message is held until the returned promise resolves; a dropped connection discards it. */
  holdNext: (() => Promise<void>) | undefined;
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          if (this.refuseWith) {
            const err = Object.assign(new Error(this.refuseWith), { responseCode: 451 });
            return callback(err);
          }
          const hold = this.holdNext;
          this.holdNext = undefined;
          if (hold) await hold();
          const email = await PostalMime.parse(Buffer.concat(chunks));
          this.received.push(email);
          callback();
          this.notify();
        });
      },
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server.server, 'listening');
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Resolves once at least `count` messages have arrived in total. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (this.received.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
