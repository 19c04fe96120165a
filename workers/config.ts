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
  /** How often the embedded scheduler looks for due jobs. */
  IMSFLOW_POLL_MS: z.coerce.number().int().min(50).default(1000),
  /** Public address of the server, for links in emails. */
  IMSFLOW_BASE_URL: z.url().optional(),
  /** HMAC key for task links: 32+ bytes as hex or base64. Default: a random key kept in the data folder. */
  IMSFLOW_SECRET: z.string().min(43, 'must hold at least 32 bytes (64 hex or 44 base64 characters)').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().min(3).default('imsflow <no-reply@imsflow.local>'),
  IMSFLOW_MAIL_RATE: z.coerce.number().positive().default(10),
  /** Set: jobs run on BullMQ workers (`npm run worker`); unset: the embedded scheduler runs them in-process. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  /** A JSON file of scheduled process starts: [{id, processKey, cron, timezone?, variables?}]. */
  IMSFLOW_SCHEDULES: z.string().optional(),
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
  schedulesFile?: string;
  policy: NotificationPolicy;
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
    schedulesFile: v.IMSFLOW_SCHEDULES,
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
