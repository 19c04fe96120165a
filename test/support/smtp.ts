import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

/** How a client connection ends when its sender died mid-transaction (SIGKILL, crash): the kernel resets it. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A real SMTP server in the test process (smtp-server), parsing what arrives with postal-mime. It can
 * refuse mail (as a server that is down or failing would) and hold a message before accepting it.
 */
export class TestSmtpServer {
  readonly received: Email[] = [];
  /** While set, every message is refused with this SMTP reply. */
  refuseWith: string | undefined;
  /**
   * While set, the next message is held (its sender waits for the reply) until the returned promise
   * resolves; `dropped` resolves when the sender's connection closes meanwhile. A message whose connection
   * dropped while held is discarded, as a real server does with a transaction the client abandoned.
   */
  holdNext: ((held: { dropped: Promise<void> }) => Promise<void>) | undefined;
  /** Messages discarded because their connection dropped while they were held. */
  droppedWhileHeld = 0;
  /** Client connections reset by their sender mid-transaction (a killed process); the message was not accepted. */
  peerResets = 0;
  private readonly closedSessions = new Set<string>();
  private readonly closeWaiters = new Map<string, () => void>();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onClose: (session) => {
        this.closedSessions.add(session.id);
        this.closeWaiters.get(session.id)?.();
        this.closeWaiters.delete(session.id);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          if (this.refuseWith) {
            const err = Object.assign(new Error(this.refuseWith), { responseCode: 451 });
            return callback(err);
          }
          const hold = this.holdNext;
          this.holdNext = undefined;
          if (hold) {
            const dropped = new Promise<void>((resolve) => {
              if (this.closedSessions.has(session.id)) resolve();
              else this.closeWaiters.set(session.id, resolve);
            });
            await hold({ dropped });
            if (this.closedSessions.has(session.id)) {
              this.droppedWhileHeld += 1;
              return callback(new Error('connection closed before the message was accepted'));
            }
          }
          const email = await PostalMime.parse(Buffer.concat(chunks));
          this.received.push(email);
          callback();
          this.notify();
        });
      },
    });
    // smtp-server emits a connection's socket error on the server when it happens inside a transaction
    // (after MAIL FROM); with no listener that is an uncaught exception in the test process. A sender
    // that died is what multi-process tests do on purpose: count it. Anything else stays uncaught and
    // fails the test that is running.
    this.server.on('error', (err: Error & { code?: string; remoteAddress?: string }) => {
      if (err.remoteAddress !== undefined && err.code !== undefined && PEER_GONE.has(err.code)) this.peerResets += 1;
      else throw err;
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
