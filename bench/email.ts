import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { systemClock } from '../engine/kernel/clock.js';
import { Outbox } from '../engine/features/notifications/index.js';
import { SmtpMailer } from '../engine/adapters/smtp/smtp-mailer.js';
import type { JobRecord, MessageRecord } from '../engine/kernel/model.js';
import { EmbeddedScheduler } from '../workers/runners/embedded/scheduler.js';
import type { JobHandlers } from '../engine/ports/job-runner.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { TestSmtpServer } from '../test/support/smtp.js';
import { elapsedMs, nowNs, progress, round, tempDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * Outbox throughput: queued messages sent by their email jobs through SmtpMailer (nodemailer) to a real
 * SMTP server on 127.0.0.1 (test/support/smtp.ts), run by the embedded scheduler on a SQLite file.
 */

/** Rate limit for the run: far above what one process sends, so the limiter is never what waits. */
const UNLIMITED_RATE = 1_000_000;

function queue(count: number): { messages: MessageRecord[]; jobs: JobRecord[] } {
  const at = systemClock.now().toISOString();
  const messages: MessageRecord[] = [];
  const jobs: JobRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = randomUUID();
    messages.push({
      id,
      kind: 'reminder',
      to: `person${i % 50}@example.com`,
      subject: `Reminder: Take corrective action (NC-2026-${String(i).padStart(4, '0')}) is due 2026-06-03 07:00 UTC`,
      text: `Hello Person ${i},\n\nThis task is due 2026-06-03 07:00 UTC.\n\nOpen the task: http://127.0.0.1:3000/t/${'x'.repeat(180)}\n\n— imsflow`,
      html: `<!doctype html><html><body><p>Hello Person ${i},</p><p>This task is due 2026-06-03 07:00 UTC.</p><p><a href="http://127.0.0.1:3000/t/${'x'.repeat(180)}">Open the task</a></p></body></html>`,
      status: 'queued',
      attempts: 0,
      createdAt: at,
    });
    jobs.push({ id: `email-${id}`, kind: 'email', runAt: at, status: 'scheduled', payload: { messageId: id }, attempts: 0 });
  }
  return { messages, jobs };
}

export const emailModule: BenchModule = {
  name: 'email',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const counts = quick ? { email_warmup: 3, emails: 30 } : { email_warmup: 10, emails: 300 };
    const { dir, cleanup } = tempDir('email');
    const smtp = await new TestSmtpServer().start();
    const store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    const mailer = new SmtpMailer({ url: smtp.url, from: 'imsflow <no-reply@imsflow.local>', ratePerSecond: UNLIMITED_RATE });
    const outbox = new Outbox(store, systemClock, mailer);
    const unexpected = (job: JobRecord) => Promise.reject(new Error(`the email bench queued no ${job.kind} job`));
    const handlers: JobHandlers = {
      email: (job, worker) => outbox.handleEmail(job, worker),
      timer: unexpected,
      notify: unexpected,
      escalation: unexpected,
      'scheduled-start': unexpected,
      webhook: unexpected,
      digest: unexpected,
      absence: unexpected,
      recurrence: unexpected,
    };
    let failures = 0;
    const scheduler = new EmbeddedScheduler(store, systemClock, handlers, { workerId: 'bench-email', onError: () => (failures += 1) });

    /** Queues `count` messages (untimed), then times the scheduler sending them all. */
    const sendBatch = async (count: number): Promise<number> => {
      const { messages, jobs } = queue(count);
      await store.commit({ messages, scheduleJobs: jobs, audit: [] });
      const expected = smtp.received.length + count;
      const start = nowNs();
      await scheduler.runDue();
      await smtp.waitFor(expected);
      const ms = elapsedMs(start);
      if (smtp.received.length !== expected) throw new Error(`expected ${expected} emails at the SMTP server, got ${smtp.received.length}`);
      return ms;
    };

    try {
      progress(`email: warm-up (${counts.email_warmup} messages)`);
      await sendBatch(counts.email_warmup);
      progress(`email: timing ${counts.emails} messages`);
      const ms = await sendBatch(counts.emails);
      const sent = await store.listMessages({ status: 'sent', limit: counts.email_warmup + counts.emails + 1 });
      if (sent.length !== counts.email_warmup + counts.emails || failures) {
        throw new Error(`${sent.length} messages sent of ${counts.email_warmup + counts.emails}, ${failures} failed attempts`);
      }
      return {
        emails_per_s: round((counts.emails / ms) * 1000, 1),
        counts,
        notes: {
          email: `${counts.emails} queued outbox messages sent by their email jobs (embedded scheduler, one job at a time, SQLite file) through SmtpMailer/nodemailer to an in-process smtp-server on 127.0.0.1 that parses each message with postal-mime; timed from the first job until the server has all of them. The rate limit is set to ${UNLIMITED_RATE}/s so it is not the bottleneck (the default IMSFLOW_MAIL_RATE=10/s would be). What bounds the number is the SMTP session per message: SmtpMailer opens a new connection for each, and smtp-server waits 100 ms before its greeting (early-talker check), so about 10/s is the ceiling here`,
        },
      };
    } finally {
      await scheduler.stop();
      await mailer.close();
      await store.close();
      await smtp.stop();
      cleanup();
    }
  },
};
