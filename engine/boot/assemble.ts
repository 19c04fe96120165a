import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../kernel/clock.js';
import { MailReaders, WeeklyDigest } from '../features/notifications/index.js';
import { CheckPool } from '../kernel/bpmn/check-pool.js';
import { ProcessEngine } from '../process-engine.js';
import type { Catalogue } from '../features/catalogue/index.js';
import { packFieldTypes, packInboundTypes, packFigures, registerPackServices, type ProcessPack } from '../packs.js';
import { FigureProjections } from '../features/dashboard/index.js';
import { RegisterProjection } from '../features/register/index.js';
import { TaskLinkSigner } from '../features/task-links/index.js';
import type { Mailer } from '../ports/mailer.js';
import { Outbox } from '../features/notifications/index.js';
import { SmtpMailer } from '../adapters/smtp/smtp-mailer.js';
import { Notifier } from '../features/notifications/index.js';
import type { JobHandlers, JobRunner } from '../ports/job-runner.js';
import type { Store } from '../ports/store.js';
import { localUrl, type Config } from './config.js';
import { jobHandlers } from './job-handlers.js';
import { Webhooks } from '../features/webhooks/index.js';
import { createStore } from './store.js';
import type { MessageSet, ReaderDefaults } from '../kernel/i18n/index.js';

export interface Assembly {
  store: Store;
  imsflow: ProcessEngine;
  notifier: Notifier;
  outbox: Outbox;
  webhooks: Webhooks;
  digest?: WeeklyDigest;
  links: TaskLinkSigner;
  handlers: JobHandlers;
  mailer?: Mailer;
  baseUrl: string;
  /** The packs' words in every language (ProcessPack.messages), for the pages and emails to add to theirs. */
  packMessages: MessageSet[];
  /** The start-form fields that title each pack's records, by process key (ProcessPack.titleFields). */
  titleFields: Record<string, string[]>;
  /** The packs handed over: the API mounts their routes and pages (ProcessPack.routes, .pages). */
  packs: readonly ProcessPack[];
  /** What people read in until they choose (IMSFLOW_LOCALE, IMSFLOW_TIME_ZONE, IMSFLOW_SITES). */
  readers: ReaderDefaults;
  /** The data folder (IMSFLOW_DATA): attachments are kept in its attachments/ folder. */
  dataDir: string;
  /** The job runner the entry point handed over, built on this assembly; not started (its owner starts and stops it). */
  runner?: JobRunner;
  close(): Promise<void>;
}

/**
 * How durable jobs run (workers/runners/: the embedded scheduler, or BullMQ relay and workers): the entry
 * point picks one and hands it over; it is built from the finished assembly (its store, clock, handlers).
 */
export type JobRunnerFactory = (assembly: Assembly) => Promise<JobRunner>;

export interface AssembleOptions {
  clock?: Clock;
  logger: Logger;
  mailer?: Mailer;
  baseUrl?: string;
  /** The process packs to run (processes/index.ts shippedPacks, or a test's): their services are registered. */
  packs: readonly ProcessPack[];
  /** The clause catalogue the packs' services and forms read (processes/index.ts shippedCatalogue()). */
  catalogue: Catalogue;
  /** The job runner; without one, the assembly runs no jobs by itself (a script, a test driving handlers). */
  runner?: JobRunnerFactory;
}

/**
 * Builds the engine and its adapters from configuration and what the entry point hands over (the packs,
 * the catalogue, the job runner): one place, used by the API process, `npm run worker` and the scripts,
 * so all run the same handlers against the same store. Imports nothing from processes/, api/ or workers/.
 */
export async function assemble(config: Config, options: AssembleOptions): Promise<Assembly> {
  const store = await createStore(config);
  await store.init();
  // The services of the packs the entry point hands over (risk-score, capa-actions …): registered here, so
  // every process built from configuration (API, workers, demo) deploys and runs them alike.
  const catalogue = options.catalogue;
  // uploaded and saved BPMN is checked in worker threads, with a budget (threads start on first use)
  const checks = new CheckPool(config.check);
  // The packs' figure projections: each commit that saves a record saves its facts; stale facts (other
  // projections, a restore) are rebuilt here before anything reads them.
  const figures = packFigures(options.packs);
  const projections = new FigureProjections(figures);
  projections.attach(store);
  await projections.ensureFigureFacts(store);
  // The records register: each commit that saves a record saves its entry (number, title, searchable data).
  const titleFields = Object.fromEntries(options.packs.flatMap((pack) => (pack.titleFields ? [[pack.key, pack.titleFields]] : [])));
  const register = new RegisterProjection(titleFields);
  register.attach(store);
  await register.ensureRegister(store);
  const imsflow = new ProcessEngine({ store, clock: options.clock, policy: config.policy, services: registerPackServices(options.packs, { catalogue }), catalogue, checker: checks.check, stepTimeoutMs: config.stepTimeoutMs, figures, readers: config.readers, fieldTypes: packFieldTypes(options.packs), inboundTypes: packInboundTypes(options.packs) });
  // the sites of IMSFLOW_SITES join the site register; the reader defaults follow the register from here on
  await imsflow.commands.sites.seed(config.readers.sites);
  const links = new TaskLinkSigner(loadSecret(config));
  const mailer = options.mailer ?? (config.smtpUrl ? new SmtpMailer({ url: config.smtpUrl, from: config.mailFrom, ratePerSecond: config.mailRatePerSecond }) : undefined);
  const baseUrl = options.baseUrl ?? config.baseUrl ?? localUrl(config.host, config.port);
  // emails speak to each recipient in their language and zone, with the packs' words and record titles
  const packMessages = options.packs.flatMap((pack) => (pack.messages ? [pack.messages] : []));
  const mail = new MailReaders({ defaults: config.readers, packMessages, titleFields });
  const notifier = new Notifier({
    store,
    mail,
    clock: imsflow.clock,
    policy: config.policy,
    links,
    baseUrl,
    mailConfigured: Boolean(mailer),
    onHeldLink: (message) => options.logger.info({ to: message.to, subject: message.subject, link: message.link }, 'no mail server configured: the message is held in the outbox; its link'),
  });
  const outbox = new Outbox(store, imsflow.clock, mailer);
  // Record events some subscription asks for get their webhook deliveries in the same commit.
  const webhooks = new Webhooks({ store, clock: imsflow.clock, allowPrivate: config.webhookAllowPrivate });
  webhooks.attach(store);
  const digest = config.digest
    ? new WeeklyDigest({
        store,
        clock: imsflow.clock,
        ...config.digest,
        baseUrl: () => notifier.baseUrl,
        mailConfigured: Boolean(mailer),
        mail,
        onHeldLink: (message) => options.logger.info({ to: message.to, subject: message.subject, link: message.link }, 'no mail server configured: the digest is held in the outbox'),
      })
    : undefined;
  // every process (API, each worker) arms the next week's digest; its id is per ISO week, so it runs once
  await digest?.arm();
  const handlers = jobHandlers({ imsflow, notifier, outbox, webhooks, digest });
  const assembly: Assembly = {
    store,
    imsflow,
    notifier,
    outbox,
    webhooks,
    digest,
    links,
    handlers,
    mailer,
    baseUrl,
    readers: config.readers,
    packMessages,
    titleFields,
    packs: options.packs,
    dataDir: config.dataDir,
    async close() {
      await checks.close();
      await mailer?.close?.();
      await store.close();
    },
  };
  if (options.runner) assembly.runner = await options.runner(assembly);
  return assembly;
}

/**
 * The HMAC key for task links: IMSFLOW_SECRET, or a random key created once in the data folder
 * (readable by the owner only), so links stay valid across restarts.
 */
export function loadSecret(config: Pick<Config, 'secret' | 'dataDir'>): Buffer {
  if (config.secret) {
    const key = /^[0-9a-f]+$/i.test(config.secret) ? Buffer.from(config.secret, 'hex') : Buffer.from(config.secret, 'base64');
    if (key.length < 32) throw new Error('invalid configuration:\n  IMSFLOW_SECRET: must hold at least 32 bytes');
    return key;
  }
  const file = join(config.dataDir, 'link-secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    // Written aside and linked into place, so a process starting alongside (API and workers) never reads
    // a half-written key; the first link wins and the others use that key.
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, randomBytes(32).toString('hex'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(draft);
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
