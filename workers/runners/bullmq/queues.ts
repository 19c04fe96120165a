import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobKind, JobRecord } from '../../../engine/kernel/model.js';
import { withoutPassword } from '../../../engine/boot/config.js';

/** What the relay, the processor and reconciliation share: the queue names, job ids and job payloads. */

export const MAIN_QUEUE = 'imsflow';
/** Email gets its own queue, so the mail rate limit never holds back timers and notices. */
export const EMAIL_QUEUE = 'imsflow-email';

/**
 * The BullMQ job id of a store row. Row ids are made by the engine (`timer-<instance>-<execution>-<dueMs>`,
 * `notify-<task>-<notice>-<dueMs>[-r<rev>]`, `escalation-<task>-<level>-<dueMs>`, `email-<message>`,
 * `start-<schedule>-<dueMs>`) and are used as they are. BullMQ refuses ids holding ':' or made of digits
 * only; should one ever occur (an element id is not checked for ':'), it is escaped, keeping the mapping
 * one to one: ids used as they are never contain '%'. The processor reads the row id from the job data.
 */
export function bullmqJobId(rowId: string): string {
  if (/^\d+$/.test(rowId)) return `%${rowId}`;
  if (!/[:%]/.test(rowId)) return rowId;
  return rowId.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** What a BullMQ job carries: the row id (the row holds everything else), kind and run time for dashboards. */
export interface QueuedJobData {
  id: string;
  kind: JobKind;
  runAt: string;
}

/** What the processor returns, kept on the completed BullMQ job. */
export interface QueuedJobResult {
  /** ran: the handler ran and finished the row · skipped: the row was done, cancelled, failed or gone. */
  outcome: 'ran' | 'skipped';
  /** The row's status when it was skipped. */
  status?: JobRecord['status'] | 'missing';
}

export type JobQueue = Queue<QueuedJobData, QueuedJobResult>;

/** Why Redis at `url` cannot be reached, or null when it answers PING. Never retries. */
export async function redisProblem(url: string, timeoutMs = 5000): Promise<string | null> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  let cause: Error | undefined;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return `cannot reach Redis at ${withoutPassword(url)}: ${(cause ?? (err as Error)).message}`;
  } finally {
    probe.disconnect();
  }
}

/** Fails fast, naming the address, when Redis cannot be reached (the clients would otherwise retry forever). */
export async function checkReachable(url: string): Promise<void> {
  const problem = await redisProblem(url);
  if (problem) throw new Error(`${problem} (REDIS_URL)`);
}
