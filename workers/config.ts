import { resolve } from 'node:path';
import { z } from 'zod';
import { checkPolicy, DEFAULT_POLICY, type NotificationPolicy } from '../engine/notifications.js';

/**
 * Configuration of every imsflow process (API and workers) from environment variables, checked once at
 * start so a typo fails loudly, naming the variable.
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  IMSFLOW_DATA: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the embedded scheduler looks for due jobs; 0: never on its own (tests drive it with runDue). */
  IMSFLOW_POLL_MS: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 50, 'must be 0 (no polling) or at least 50')
    .default(1000),
  /** Public address of the server, for links in emails. */
  IMSFLOW_BASE_URL: z.url().optional(),
  /** HMAC key for task links: 32+ bytes as hex or base64. Default: a random key kept in the data folder. */
  IMSFLOW_SECRET: z.string().min(43, 'must hold at least 32 bytes (64 hex or 44 base64 characters)').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().min(3).default('imsflow <no-reply@imsflow.local>'),
  IMSFLOW_MAIL_RATE: z.coerce.number().positive().default(10),
  /** Set: jobs run on BullMQ workers (`npm run worker`); unset: the embedded scheduler runs them in-process. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  /** BullMQ key prefix: queues of separate installations (or test runs) sharing a Redis must differ. */
  IMSFLOW_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1–64 letters, digits, ".", "_" or "-"').default('imsflow'),
  /** How often the relay hands new store jobs to BullMQ (a commit that makes jobs also triggers a pass). */
  IMSFLOW_RELAY_MS: z.coerce.number().int().min(10).default(1000),
  /** Jobs one worker process runs at once (the email queue is limited by IMSFLOW_MAIL_RATE as well). */
  IMSFLOW_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  /** BullMQ lock of a job in hand, renewed while it runs; a dead worker's job is taken back after it lapses. */
  IMSFLOW_WORKER_LOCK_MS: z.coerce.number().int().min(100).default(30_000),
  /** How often workers look for stalled jobs (the jobs of dead workers). */
  IMSFLOW_WORKER_STALLED_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long a worker's claim on a job row lasts in the store; another worker takes a dead worker's job over after it. */
  IMSFLOW_WORKER_LEASE_MS: z.coerce.number().int().min(100).default(5 * 60_000),
  /** Attempts per job before it is failed for good, and the first retry delay (doubling). */
  IMSFLOW_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  IMSFLOW_JOB_BACKOFF_MS: z.coerce.number().int().min(1).default(10_000),
  /** A JSON file of scheduled process starts: [{id, processKey, cron, timezone?, variables?}]. */
  IMSFLOW_SCHEDULES: z.string().optional(),
  /** When the steering committee's weekly digest goes out (cron), or "off". */
  IMSFLOW_DIGEST: z.string().default('0 7 * * 1'),
  IMSFLOW_DIGEST_TZ: z.string().default('UTC'),
  /** Create the first admin on first start (when no admin exists yet). */
  IMSFLOW_ADMIN_EMAIL: z.email().optional(),
  IMSFLOW_ADMIN_PASSWORD: z.string().optional(),
  /** Mark cookies Secure (set when users reach imsflow over HTTPS, e.g. behind a TLS proxy). */
  IMSFLOW_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  IMSFLOW_REMIND_BEFORE: z.string().optional(),
  IMSFLOW_REMIND_EVERY: z.string().optional(),
  IMSFLOW_LINK_VALIDITY: z.string().optional(),
  /** Escalation chain, e.g. "P3D:manager,P10D:steering-committee" (role names; manager and process-owner are special). */
  IMSFLOW_ESCALATIONS: z.string().optional(),
});

export interface Config {
  port: number;
  /** Until accounts exist the server listens on the loopback interface only. */
  host: '127.0.0.1';
  dataDir: string;
  databaseFile: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  pollMs: number;
  baseUrl?: string;
  secret?: string;
  smtpUrl?: string;
  mailFrom: string;
  mailRatePerSecond: number;
  redisUrl?: string;
  /** The BullMQ runner's settings (used only with REDIS_URL). */
  queue: QueueSettings;
  schedulesFile?: string;
  /** The weekly digest's cron and time zone; undefined: off. */
  digest?: { cron: string; timezone: string };
  admin?: { email: string; password: string };
  secureCookies: boolean;
  policy: NotificationPolicy;
}

export interface QueueSettings {
  prefix: string;
  relayMs: number;
  concurrency: number;
  lockMs: number;
  stalledMs: number;
  leaseMs: number;
  attempts: number;
  backoffMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const v = parsed.data;
  const policy: NotificationPolicy = {
    ...DEFAULT_POLICY,
    ...(v.IMSFLOW_REMIND_BEFORE !== undefined && { remindBefore: v.IMSFLOW_REMIND_BEFORE || undefined }),
    ...(v.IMSFLOW_REMIND_EVERY !== undefined && { remindEvery: v.IMSFLOW_REMIND_EVERY || undefined }),
    ...(v.IMSFLOW_LINK_VALIDITY && { linkValidity: v.IMSFLOW_LINK_VALIDITY }),
    ...(v.IMSFLOW_ESCALATIONS !== undefined && { escalations: parseEscalations(v.IMSFLOW_ESCALATIONS) }),
  };
  const problems = checkPolicy(policy);
  if (problems.length) throw new Error(`invalid configuration:\n${problems.map((p) => `  policy ${p}`).join('\n')}`);
  const dataDir = resolve(v.IMSFLOW_DATA);
  return {
    port: v.PORT,
    host: '127.0.0.1',
    dataDir,
    databaseFile: resolve(dataDir, 'imsflow.db'),
    logLevel: v.LOG_LEVEL,
    pollMs: v.IMSFLOW_POLL_MS,
    baseUrl: v.IMSFLOW_BASE_URL?.replace(/\/$/, ''),
    secret: v.IMSFLOW_SECRET,
    smtpUrl: v.SMTP_URL,
    mailFrom: v.MAIL_FROM,
    mailRatePerSecond: v.IMSFLOW_MAIL_RATE,
    redisUrl: v.REDIS_URL,
    queue: {
      prefix: v.IMSFLOW_QUEUE_PREFIX,
      relayMs: v.IMSFLOW_RELAY_MS,
      concurrency: v.IMSFLOW_WORKER_CONCURRENCY,
      lockMs: v.IMSFLOW_WORKER_LOCK_MS,
      stalledMs: v.IMSFLOW_WORKER_STALLED_MS,
      leaseMs: v.IMSFLOW_WORKER_LEASE_MS,
      attempts: v.IMSFLOW_JOB_ATTEMPTS,
      backoffMs: v.IMSFLOW_JOB_BACKOFF_MS,
    },
    schedulesFile: v.IMSFLOW_SCHEDULES,
    ...(v.IMSFLOW_DIGEST.trim() !== 'off' && { digest: { cron: v.IMSFLOW_DIGEST.trim(), timezone: v.IMSFLOW_DIGEST_TZ } }),
    ...(v.IMSFLOW_ADMIN_EMAIL && v.IMSFLOW_ADMIN_PASSWORD && { admin: { email: v.IMSFLOW_ADMIN_EMAIL, password: v.IMSFLOW_ADMIN_PASSWORD } }),
    secureCookies: v.IMSFLOW_SECURE_COOKIES === 'true',
    policy,
  };
}

function parseEscalations(text: string): NotificationPolicy['escalations'] {
  if (!text.trim()) return [];
  return text.split(',').map((part) => {
    const [after, to, reassign] = part.trim().split(':');
    if (!after || !to) throw new Error(`invalid configuration:\n  IMSFLOW_ESCALATIONS: "${part}" must look like P3D:manager`);
    return { after, to, reassign: reassign === 'reassign' };
  });
}
