import { randomUUID } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { JobRecord, MessageRecord } from '../../kernel/model.js';
import type { OutboxStore } from '../../ports/outbox-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import type { CommitStore } from '../../ports/commit-store.js';
import type { Mailer } from '../../ports/mailer.js';

/**
 * A new outbox message and, when a mail server is configured, the email job that sends it (both go in the
 * caller's commit). Without a mail server the message is held: kept, with its link logged.
 */
export function outgoingMessage(
  content: Omit<MessageRecord, 'id' | 'status' | 'attempts' | 'createdAt'>,
  options: { now: Date; mailConfigured: boolean },
): { message: MessageRecord; emailJob?: JobRecord } {
  const at = options.now.toISOString();
  const message: MessageRecord = { id: randomUUID(), ...content, status: options.mailConfigured ? 'queued' : 'held', attempts: 0, createdAt: at };
  if (!options.mailConfigured) return { message };
  const emailJob: JobRecord = {
    id: `email-${message.id}`,
    kind: 'email',
    runAt: at,
    status: 'scheduled',
    ...(message.instanceId && { instanceId: message.instanceId }),
    payload: { messageId: message.id, ...(message.taskId && { taskId: message.taskId }) },
    attempts: 0,
  };
  return { message, emailJob };
}

/**
 * Sends one outbox message per email job. The message keeps its state (queued → sent, or failed with the
 * SMTP error and the attempt count); a failure throws so the runner retries the job with backoff, and
 * the message waits in the outbox meanwhile. Nothing is dropped when the mail server is down.
 */
export class Outbox {
  constructor(
    private readonly store: OutboxStore & RecordStore & CommitStore,
    private readonly clock: Clock,
    private readonly mailer: Mailer | undefined,
  ) {}

  async handleEmail(job: JobRecord, workerId: string): Promise<'sent' | 'stale' | 'held'> {
    const message = await this.store.getMessage(String(job.payload.messageId));
    if (!message || message.status === 'sent') {
      await this.store.commit({ finishJob: { id: job.id, lockedBy: workerId }, audit: [] });
      return 'stale';
    }
    if (message.taskId && message.kind !== 'completed') {
      const task = await this.store.getTask(message.taskId);
      if (task && task.status !== 'open') {
        const dropped: MessageRecord = { ...message, status: 'dropped', lastError: `not sent: the task was ${task.status} before the message could go out` };
        await this.store.commit({ messages: [dropped], finishJob: { id: job.id, lockedBy: workerId }, audit: [] });
        return 'stale';
      }
    }
    if (!this.mailer) {
      await this.store.commit({ messages: [{ ...message, status: 'held' }], finishJob: { id: job.id, lockedBy: workerId }, audit: [] });
      return 'held';
    }
    const attempts = message.attempts + 1;
    try {
      await this.mailer.send({ messageId: message.id, to: message.to, subject: message.subject, text: message.text, html: message.html });
    } catch (err) {
      const failed: MessageRecord = { ...message, status: 'failed', attempts, lastError: String((err as Error).message).slice(0, 1000) };
      await this.store.commit({ messages: [failed], audit: [] });
      throw err;
    }
    const sent: MessageRecord = { ...message, status: 'sent', attempts, sentAt: this.clock.now().toISOString() };
    delete sent.lastError;
    await this.store.commit({
      messages: [sent],
      finishJob: { id: job.id, lockedBy: workerId },
      audit: [
        auditEvent(this.clock, {
          at: sent.sentAt,
          actor: 'system',
          action: 'email.sent',
          target: `message:${message.id}`,
          instanceId: message.instanceId,
          new: { kind: message.kind, to: message.to, subject: message.subject, attempts },
        }),
      ],
    });
    return 'sent';
  }
}
