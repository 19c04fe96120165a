import { resolve } from 'node:path';
import { z } from 'zod';
import { checkPolicy, DEFAULT_POLICY, type NotificationPolicy } from '../features/notifications/index.js';
import { parseAllowList } from '../features/webhooks/index.js';
import { DEFAULT_RECURRENCE_WINDOW, recurrenceWindowProblem } from '../features/events/index.js';
import { canonicalLocale, isTimeZone, parseSiteDefaults, type ReaderDefaults } from '../kernel/i18n/index.js';

/**
 * Configuration of every imsflow process (API, workers, `npm run migrate`) from environment variables,
 * checked once at start so a typo fails loudly, naming the variable and the value it had. This schema is
 * the one list of variables: README, `.env.example` and docker-compose.yml are tested against it.
 */
/** A whole number in a range, with one message that says so. */
function whole(min: number, max?: number) {
  const error = max === undefined ? `must be a whole number of at least ${min}` : `must be a whole number from ${min} to ${max}`;
  const number = z.coerce.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? number : number.max(max, { error });
}

const schema = z.object({
  PORT: whole(0, 65535).default(3000),
  /** Address to listen on: loopback by default; 0.0.0.0 in a container behind a proxy. */
  IMSFLOW_HOST: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], { error: 'must be an IP address such as 127.0.0.1 or 0.0.0.0' }).default('127.0.0.1'),
  IMSFLOW_DATA: z.string().min(1).default('./data'),
  /** Where records live: the SQLite file in IMSFLOW_DATA (embedded default) or MongoDB (scale mode). */
  IMSFLOW_STORE: z.enum(['sqlite', 'mongodb'], { error: 'must be sqlite or mongodb' }).default('sqlite'),
  /** With IMSFLOW_STORE=mongodb: a replica set (transactions need one), e.g. mongodb://mongo:27017/imsflow?replicaSet=rs0. */
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  /** How often the embedded scheduler looks for due jobs; 0: never on its own (tests drive it with runDue). */
  IMSFLOW_POLL_MS: z.coerce
    .number({ error: 'must be 0 (no polling) or a whole number of at least 50' })
    .int({ error: 'must be 0 (no polling) or a whole number of at least 50' })
    .refine((ms) => ms === 0 || ms >= 50, 'must be 0 (no polling) or a whole number of at least 50')
    .default(1000),
  /** Public address of the server, for links in emails. */
  IMSFLOW_BASE_URL: z.url().optional(),
  /** HMAC key for task links: 32+ bytes as hex or base64. Default: a random key kept in the data folder. */
  IMSFLOW_SECRET: z.string().min(43, 'must hold at least 32 bytes (64 hex or 44 base64 characters)').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().min(3).default('imsflow <no-reply@imsflow.local>'),
  IMSFLOW_MAIL_RATE: z.coerce.number({ error: 'must be a number above 0' }).positive({ error: 'must be a number above 0' }).default(10),
  /** Set: jobs run on BullMQ workers (`npm run worker`); unset: the embedded scheduler runs them in-process. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  /** BullMQ key prefix: queues of separate installations (or test runs) sharing a Redis must differ. */
  IMSFLOW_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1–64 letters, digits, ".", "_" or "-"').default('imsflow'),
  /** How often the relay hands new store jobs to BullMQ (a commit that makes jobs also triggers a pass). */
  IMSFLOW_RELAY_MS: whole(10).default(1000),
  /** Jobs one worker process runs at once (the email queue is limited by IMSFLOW_MAIL_RATE as well). */
  IMSFLOW_WORKER_CONCURRENCY: whole(1, 1000).default(10),
  /** BullMQ lock of a job in hand, renewed while it runs; a dead worker's job is taken back after it lapses. */
  IMSFLOW_WORKER_LOCK_MS: whole(100).default(30_000),
  /** How often workers look for stalled jobs (the jobs of dead workers). */
  IMSFLOW_WORKER_STALLED_MS: whole(100).default(30_000),
  /** How long a worker's claim on a job row lasts in the store; another worker takes a dead worker's job over after it. */
  IMSFLOW_WORKER_LEASE_MS: whole(100).default(5 * 60_000),
  /** Worker processes: a port for /healthz and /readyz (container health checks); unset: none. */
  IMSFLOW_WORKER_PORT: whole(0, 65535).optional(),
  /** Attempts per job before it is failed for good, and the first retry delay (doubling). */
  IMSFLOW_JOB_ATTEMPTS: whole(1, 100).default(10),
  IMSFLOW_JOB_BACKOFF_MS: whole(1).default(10_000),
  /** On SIGTERM/SIGINT: how long requests and jobs in hand may take to finish before the process exits anyway. */
  IMSFLOW_SHUTDOWN_MS: whole(0).default(25_000),
  /** Budget of one check of an uploaded or saved BPMN file, in a worker thread: time (ms) and heap (MB). */
  IMSFLOW_CHECK_TIMEOUT_MS: whole(100).default(1000),
  IMSFLOW_CHECK_MEMORY_MB: whole(32).default(256),
  /** Longest one engine step may take to reach a wait state before it becomes an incident (ms). */
  IMSFLOW_STEP_TIMEOUT_MS: whole(100).default(30_000),
  /** How long after a corrective action closed as effective a matching event reopens its effectiveness (ISO 8601 duration). */
  IMSFLOW_RECURRENCE_WINDOW: z.string().refine((value) => !recurrenceWindowProblem(value), 'must be an ISO 8601 duration above zero, e.g. P12M or P365D').default(DEFAULT_RECURRENCE_WINDOW),
  /** Bearer token that may read /metrics (admins may always); unset: admins only. */
  IMSFLOW_METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  /** A JSON file of scheduled process starts: [{id, processKey, cron, timezone?, variables?}]. */
  IMSFLOW_SCHEDULES: z.string().optional(),
  /** When the steering committee's weekly digest goes out (cron), or "off". */
  IMSFLOW_DIGEST: z.string().default('0 7 * * 1'),
  IMSFLOW_DIGEST_TZ: z.string().default('UTC'),
  /** Create the first admin on first start (when no admin exists yet). */
  IMSFLOW_ADMIN_EMAIL: z.email().optional(),
  IMSFLOW_ADMIN_PASSWORD: z.string().optional(),
  /** Mark cookies Secure (set when users reach imsflow over HTTPS, e.g. behind a TLS proxy). */
  IMSFLOW_SECURE_COOKIES: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  /**
   * How many reverse proxies stand in front of the API (compose: nginx, 1). The client address (login rate
   * limit, audit of sign-ins) is then read from X-Forwarded-For that many hops back; 0 trusts no header.
   */
  IMSFLOW_TRUST_PROXY: whole(0, 10).default(0),
  IMSFLOW_REMIND_BEFORE: z.string().optional(),
  IMSFLOW_REMIND_EVERY: z.string().optional(),
  IMSFLOW_LINK_VALIDITY: z.string().optional(),
  /** Escalation chain, e.g. "P3D:manager,P10D:steering-committee" (role names; manager and process-owner are special). */
  IMSFLOW_ESCALATIONS: z.string().optional(),
  /** Backup import and verify: what an archive may expand to (MiB) and how many files it may hold; past either it is refused while unpacking. */
  IMSFLOW_BACKUP_MAX_MIB: whole(1).default(2048),
  IMSFLOW_BACKUP_MAX_FILES: whole(10).default(100_000),
  /** What people read in until they choose (account page): a locale imsflow speaks (en, de, fr + region) and a time zone. */
  IMSFLOW_LOCALE: z.string().refine((t) => canonicalLocale(t) !== undefined, 'must be a locale in a language imsflow speaks, e.g. en-GB, de-CH or fr-FR').default('en-GB'),
  IMSFLOW_TIME_ZONE: z.string().refine(isTimeZone, 'must be a time zone such as UTC or Europe/Zurich').default('UTC'),
  /** Per site, the locale and time zone its people read in: "basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin". */
  IMSFLOW_SITES: z
    .string()
    .refine((text) => siteProblem(text) === undefined, { error: (issue) => siteProblem(String(issue.input)) ?? 'invalid' })
    .optional(),
  /** Private addresses webhooks may reach although private (comma-separated IPs or CIDR ranges, e.g. 10.20.0.0/16). */
  IMSFLOW_WEBHOOK_ALLOW_PRIVATE: z
    .string()
    .refine((text) => allowListProblem(text) === undefined, { error: (issue) => allowListProblem(String(issue.input)) ?? 'invalid' })
    .optional(),
});

/** Every environment variable imsflow reads, in the order of the schema. */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** Variables whose values are never echoed in an error message. */
const SECRET_VARIABLES = new Set(['IMSFLOW_SECRET', 'IMSFLOW_ADMIN_PASSWORD', 'IMSFLOW_METRICS_TOKEN']);

/** A configuration that cannot run: `problems` name each variable, e.g. "IMSFLOW_STORE must be sqlite or mongodb (was 'postgres')". */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export interface Config {
  port: number;
  /** Address the API listens on (IMSFLOW_HOST). */
  host: string;
  dataDir: string;
  /** The store: the SQLite file in the data folder, or MongoDB. */
  store: { kind: 'sqlite'; file: string } | { kind: 'mongodb'; uri: string };
  /** The SQLite file (also with MongoDB: scripts that read the embedded store use it). */
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
  /** How long shutdown waits for requests and jobs in hand. */
  shutdownMs: number;
  /** Budget of one BPMN check in the worker-thread pool (engine/kernel/bpmn/check-pool.ts). */
  check: { timeoutMs: number; maxMemoryMb: number };
  /** Budget of one engine step (ProcessEngine's stepTimeoutMs). */
  stepTimeoutMs: number;
  /** Bearer token for /metrics. */
  metricsToken?: string;
  /** The recurrence watch window (IMSFLOW_RECURRENCE_WINDOW, engine/features/events). */
  recurrenceWindow: string;
  /** Worker processes: port of their health endpoints. */
  workerPort?: number;
  schedulesFile?: string;
  /** The weekly digest's cron and time zone; undefined: off. */
  digest?: { cron: string; timezone: string };
  admin?: { email: string; password: string };
  secureCookies: boolean;
  /** Reverse proxies in front of the API whose X-Forwarded-For is believed (IMSFLOW_TRUST_PROXY). */
  trustProxy: number;
  policy: NotificationPolicy;
  /** Addresses and ranges webhooks may reach although private (IMSFLOW_WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: string[];
  /** Caps on unpacking a backup archive (IMSFLOW_BACKUP_MAX_MIB, IMSFLOW_BACKUP_MAX_FILES). */
  backupLimits: { maxBytes: number; maxFiles: number };
  /** What people read in until they choose: the installation's and each site's locale and time zone. */
  readers: ReaderDefaults;
  /** Things that do not stop the start but deserve a log line (an unknown IMSFLOW_ variable: a typo?). */
  warnings: string[];
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

/** The policy fields and the variables that set them, so a policy problem names the variable. */
const POLICY_VARIABLES: Record<string, string> = {
  remindBefore: 'IMSFLOW_REMIND_BEFORE',
  remindEvery: 'IMSFLOW_REMIND_EVERY',
  linkValidity: 'IMSFLOW_LINK_VALIDITY',
  escalations: 'IMSFLOW_ESCALATIONS',
};

/**
 * Reads and checks the configuration. Throws ConfigError listing every problem at once, each naming its
 * variable and the value it had (secrets and URL passwords hidden).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`FOO=` in an env file) counts as unset, as Docker Compose users expect.
  const given = Object.fromEntries(CONFIG_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]));
  // The reminder variables are the exception: empty means "none".
  for (const name of ['IMSFLOW_REMIND_BEFORE', 'IMSFLOW_REMIND_EVERY', 'IMSFLOW_ESCALATIONS'] as const) if (env[name] === '') given[name] = '';
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        return `${name} ${issue.message}${shown(name, env[name])}`;
      }),
    );
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (v.IMSFLOW_STORE === 'mongodb' && !v.MONGODB_URI) problems.push('MONGODB_URI is required with IMSFLOW_STORE=mongodb, e.g. mongodb://mongo:27017/imsflow?replicaSet=rs0');
  if (Boolean(v.IMSFLOW_ADMIN_EMAIL) !== Boolean(v.IMSFLOW_ADMIN_PASSWORD)) problems.push('IMSFLOW_ADMIN_EMAIL and IMSFLOW_ADMIN_PASSWORD go together: set both or neither');
  let escalations: NotificationPolicy['escalations'] | undefined;
  if (v.IMSFLOW_ESCALATIONS !== undefined) {
    try {
      escalations = parseEscalations(v.IMSFLOW_ESCALATIONS);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const policy: NotificationPolicy = {
    ...DEFAULT_POLICY,
    ...(v.IMSFLOW_REMIND_BEFORE !== undefined && { remindBefore: v.IMSFLOW_REMIND_BEFORE || undefined }),
    ...(v.IMSFLOW_REMIND_EVERY !== undefined && { remindEvery: v.IMSFLOW_REMIND_EVERY || undefined }),
    ...(v.IMSFLOW_LINK_VALIDITY && { linkValidity: v.IMSFLOW_LINK_VALIDITY }),
    ...(escalations && { escalations }),
  };
  for (const problem of checkPolicy(policy)) {
    // "remindBefore: …" or "escalations[1].after: …"
    const [, field, step, message] = /^(\w+)(?:\[(\d+)\][.\w]*)?: (.*)$/s.exec(problem) ?? [undefined, '', undefined, problem];
    problems.push(`${POLICY_VARIABLES[field] ?? field}${step === undefined ? '' : ` step ${Number(step) + 1}`}: ${message}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const warnings = Object.keys(env)
    .filter((name) => name.startsWith('IMSFLOW_') && !(CONFIG_VARIABLES as string[]).includes(name))
    .map((name) => `${name} is not a variable imsflow reads${closest(name) ? ` (did you mean ${closest(name)}?)` : ''}: ignored`);
  const dataDir = resolve(v.IMSFLOW_DATA);
  const databaseFile = resolve(dataDir, 'imsflow.db');
  return {
    port: v.PORT,
    host: v.IMSFLOW_HOST,
    dataDir,
    store: v.IMSFLOW_STORE === 'mongodb' ? { kind: 'mongodb', uri: v.MONGODB_URI! } : { kind: 'sqlite', file: databaseFile },
    databaseFile,
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
    shutdownMs: v.IMSFLOW_SHUTDOWN_MS,
    check: { timeoutMs: v.IMSFLOW_CHECK_TIMEOUT_MS, maxMemoryMb: v.IMSFLOW_CHECK_MEMORY_MB },
    stepTimeoutMs: v.IMSFLOW_STEP_TIMEOUT_MS,
    metricsToken: v.IMSFLOW_METRICS_TOKEN,
    recurrenceWindow: v.IMSFLOW_RECURRENCE_WINDOW,
    workerPort: v.IMSFLOW_WORKER_PORT,
    schedulesFile: v.IMSFLOW_SCHEDULES,
    ...(v.IMSFLOW_DIGEST.trim() !== 'off' && { digest: { cron: v.IMSFLOW_DIGEST.trim(), timezone: v.IMSFLOW_DIGEST_TZ } }),
    ...(v.IMSFLOW_ADMIN_EMAIL && v.IMSFLOW_ADMIN_PASSWORD && { admin: { email: v.IMSFLOW_ADMIN_EMAIL, password: v.IMSFLOW_ADMIN_PASSWORD } }),
    secureCookies: v.IMSFLOW_SECURE_COOKIES === 'true',
    trustProxy: v.IMSFLOW_TRUST_PROXY,
    policy,
    webhookAllowPrivate: (v.IMSFLOW_WEBHOOK_ALLOW_PRIVATE ?? '').split(',').map((e) => e.trim()).filter(Boolean),
    backupLimits: { maxBytes: v.IMSFLOW_BACKUP_MAX_MIB * 1024 * 1024, maxFiles: v.IMSFLOW_BACKUP_MAX_FILES },
    readers: { locale: canonicalLocale(v.IMSFLOW_LOCALE)!, timeZone: v.IMSFLOW_TIME_ZONE, sites: v.IMSFLOW_SITES ? parseSiteDefaults(v.IMSFLOW_SITES) : {} },
    warnings,
  };
}

/** Why IMSFLOW_SITES is not a list of "site=locale zone", or undefined. */
function siteProblem(text: string): string | undefined {
  try {
    parseSiteDefaults(text);
    return undefined;
  } catch (err) {
    return `must be "site=locale time-zone" entries separated by commas: ${(err as Error).message}`;
  }
}

/** Why an allow-list of webhook targets is not one, or undefined. */
function allowListProblem(text: string): string | undefined {
  try {
    parseAllowList(text.split(','));
    return undefined;
  } catch (err) {
    return `must be IP addresses or CIDR ranges separated by commas: ${(err as Error).message}`;
  }
}

/** A URL (Redis, MongoDB) fit for logs and messages: its user and password shown as ***. */
export function withoutPassword(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** " (was '…')" for an error message; secrets and passwords in URLs are not repeated. */
/**
 * The address a person on this machine opens to reach a server listening on `host`:`port`, for links when
 * IMSFLOW_BASE_URL is not set. A wildcard address (0.0.0.0, ::) listens everywhere but is no address to open,
 * so it becomes the loopback address; an IPv6 address is written in brackets.
 */
export function localUrl(host: string, port: number): string {
  const open = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${open.includes(':') ? `[${open}]` : open}:${port}`;
}

function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_VARIABLES.has(name)) return ' (value hidden)';
  const text = withoutPassword(value);
  return ` (was '${text.length > 80 ? `${text.slice(0, 80)}…` : text}')`;
}

/** The known variable an unknown one is most likely a typo of (at most two edits away). */
function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of CONFIG_VARIABLES) {
    const distance = editDistance(name, known);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

function parseEscalations(text: string): NotificationPolicy['escalations'] {
  if (!text.trim()) return [];
  return text.split(',').map((part) => {
    const [after, to, reassign] = part.trim().split(':');
    if (!after || !to) throw new Error(`IMSFLOW_ESCALATIONS part '${part}' must look like P3D:manager or P10D:steering-committee:reassign`);
    return { after, to, reassign: reassign === 'reassign' };
  });
}
