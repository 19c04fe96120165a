/**
 * `npm run demo`: seeds a demo organization into the data folder (IMSFLOW_DATA, default ./data), so that
 * `npm start` afterwards shows a living system: two plants, people in every role, the shipped processes
 * deployed, and nonconformities at every stage, one of them overdue and already escalated.
 *
 *   npm run demo              refuses when the data folder already holds a database
 *   npm run demo -- --reset   deletes the database file(s) first (stop the server before)
 *
 * This file is the frame: the people and sites, the data folder's safety, the summary. The story itself is
 * told by the packs, each its own piece (processes/<pack>/demo.ts, engine/features/demo/story.ts): the frame plays
 * the chapters of the packs it is handed, interleaved in the order things happened.
 *
 * Everything goes through the engine's public operations (saveUser, setPassword, deploy, start,
 * completeTask) and the job handlers, so the records, jobs, outbox and hash-chained audit trail are what
 * real use would have produced. Every account shares one demo password: never seed this into a real
 * installation.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { canSee, holdsTask } from '../api/auth.js';
import { AttachmentStore, checkUpload, recordUpload } from '../api/pages/attachments.js';
import { signatureFor } from '../api/signing.js';
import { Accounts } from '../engine/features/accounts/index.js';
import { FakeClock } from '../engine/kernel/clock.js';
import { tellDemoStory, type DemoMoment } from '../engine/features/demo/index.js';
import type { TaskRecord } from '../engine/kernel/model.js';
import type { ProcessPack } from '../engine/packs.js';
import { passwordProblems } from '../engine/features/accounts/index.js';
import { EmbeddedScheduler } from '../workers/runners/embedded/scheduler.js';
import { shippedCatalogue, shippedPacks, shippedProcesses } from '../processes/index.js';
import { assemble, type Assembly } from '../engine/boot/assemble.js';
import { loadConfig } from '../engine/boot/config.js';

/** The one password of every demo account. Meets engine/features/accounts/passwords.ts (12+ characters, no user's name in it). */
export const DEMO_PASSWORD = 'imsflow-demo-only';

/** Who set the demo up, in the audit trail (account setup and deployment; task work is done by the users). */
const SEEDER = 'demo-seed';

export const DEMO_SITES = {
  dublin: 'Dublin, Ireland: pharmaceutical plant (sterile injectables)',
  basel: 'Basel, Switzerland: medical device plant (orthopaedic implants)',
} as const;
export type DemoSite = keyof typeof DEMO_SITES;

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  /** Job title: shown in the summary only (the directory has no such field). */
  title: string;
  roles: string[];
  sites: DemoSite[];
  managerId?: string;
}

const person = (id: string, name: string, title: string, roles: string[], sites: DemoSite[], managerId?: string): DemoUser => ({
  id,
  name,
  email: `${id}@example.com`,
  title,
  roles,
  sites,
  ...(managerId && { managerId }),
});

/**
 * The organization. The administrator has no site (admins see every site) and the internal auditor
 * covers both plants (auditors do not audit their own area); every other role exists once per plant.
 * Staff report to their plant's quality manager; quality manager and process owner to the site director.
 */
export const DEMO_USERS: DemoUser[] = [
  person('grace.obi', 'Grace Obi', 'IT systems administrator', ['admin'], []),
  person('henrik.larsen', 'Henrik Larsen', 'Corporate internal auditor', ['auditor'], ['basel', 'dublin']),

  person('siobhan.walsh', 'Siobhan Walsh', 'Site director, Dublin', ['steering-committee'], ['dublin']),
  person('ciaran.doyle', 'Ciaran Doyle', 'Head of operations, Dublin', ['process-owner'], ['dublin'], 'siobhan.walsh'),
  person('aoife.brennan', 'Aoife Brennan', 'Quality manager, Dublin', ['quality-manager'], ['dublin'], 'siobhan.walsh'),
  person('sean.gallagher', 'Sean Gallagher', 'Filling line supervisor, Dublin', ['staff'], ['dublin'], 'aoife.brennan'),
  person('emma.byrne', 'Emma Byrne', 'QC microbiologist, Dublin', ['staff'], ['dublin'], 'aoife.brennan'),

  person('andrea.meier', 'Andrea Meier', 'Site director, Basel', ['steering-committee'], ['basel']),
  person('lukas.keller', 'Lukas Keller', 'Head of operations, Basel', ['process-owner'], ['basel'], 'andrea.meier'),
  person('sabine.frei', 'Sabine Frei', 'Quality manager, Basel', ['quality-manager'], ['basel'], 'andrea.meier'),
  person('nina.schmid', 'Nina Schmid', 'Production engineer, Basel', ['staff'], ['basel'], 'sabine.frei'),
  person('marco.weber', 'Marco Weber', 'Incoming inspection lead, Basel', ['staff'], ['basel'], 'sabine.frei'),
  // the account another system (an MES) sends events with (POST /api/events, with an API token)
  person('mes.connector', 'MES connector', 'Manufacturing execution system (integration account)', ['integration'], []),
];

/** Why the demo was not seeded: the data folder already holds a database. */
export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

export interface DemoOptions {
  /** Delete the database file(s) in the data folder first. */
  reset?: boolean;
  /** The moment the demo's history leads up to; default now. */
  now?: Date;
  /** Environment for the configuration (policy, base URL, port); default process.env. IMSFLOW_DATA is dataDir. */
  env?: NodeJS.ProcessEnv;
  /** The packs deployed, whose demo chapters are played (processes/<pack>/demo.ts); default the shipped ones. */
  packs?: readonly ProcessPack[];
}

export interface DemoSummary {
  databaseFile: string;
  password: string;
  /** Where the server will answer (IMSFLOW_BASE_URL or http://127.0.0.1:PORT). */
  url: string;
  users: DemoUser[];
  definitions: { key: string; version: number }[];
  nonconformities: { businessKey: string; site: string; title: string; owner: string; stage: string; dueAt?: string; overdue: boolean }[];
  /** The records of the other processes (CAPA, gap analysis, internal audit, management review), linked ones included. */
  records: { businessKey: string; process: string; site: string; stage: string; dueAt?: string; overdue: boolean; links: string[] }[];
  /** Scheduled starts created: next year's audit programme and management review. */
  schedules: number;
  /** A task link as emailed (held in the outbox, no mail server being configured): opens without signing in. */
  taskLink?: { userId: string; businessKey: string; task: string; url: string };
}

/** The SQLite database and its companion files (WAL mode), as the server names them. */
function databaseFiles(databaseFile: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => `${databaseFile}${suffix}`);
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

function moment(now: Date, when: DemoMoment | 'now'): Date {
  if (when === 'now') return now;
  if ('hoursAgo' in when) return new Date(now.getTime() - when.hoursAgo * 3_600_000);
  const [hours, minutes] = when.time.split(':').map(Number);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - when.daysAgo, hours, minutes));
}

export async function seedDemo(dataDir: string, options: DemoOptions = {}): Promise<DemoSummary> {
  // No SMTP_URL: the demo's notifications are held in the outbox, never sent (the addresses are made up).
  const config = loadConfig({ ...(options.env ?? process.env), IMSFLOW_DATA: dataDir, SMTP_URL: undefined });
  const present = databaseFiles(config.databaseFile).filter((file) => existsSync(file));
  if (present.length && !options.reset) {
    throw new DemoRefusedError(
      `${config.dataDir} already holds an imsflow database (${present.join(', ')}); nothing was changed.\n` +
        'Run `npm run demo -- --reset` to delete it and seed the demo (stop the server first), or set IMSFLOW_DATA to another folder.',
    );
  }
  for (const file of present) rmSync(file, { force: true });

  for (const user of DEMO_USERS) {
    const problems = passwordProblems(DEMO_PASSWORD, user);
    if (problems.length) throw new Error(`the demo password does not suit ${user.id}: ${problems.join(', ')}`);
  }

  // The demo's history is played on a FakeClock, from 60 days ago up to `now`: every record, due date, job
  // and audit event gets the time it would have had. Jobs that fell due along the way (assignment notices,
  // reminders, the first escalation of the overdue task) are run on that clock, at their time, so the
  // history shows them. The due dates and the jobs still ahead are real dates: when `npm start` later runs
  // on the real clock, the overdue "Take corrective action" is already past its due date, and its next
  // reminder, its second escalation (to the steering committee) and its 45-day follow-up timer come due in
  // the days after, as they would have. The clock only moves forward and stops at `now`, before the server
  // starts, so audit times stay in order.
  const now = options.now ?? new Date();
  // the demo picks its packs and its runner: the embedded scheduler, driven by hand along the timeline
  const packs = options.packs ?? shippedPacks;
  const events = tellDemoStory(packs, { people: DEMO_USERS, sites: Object.keys(DEMO_SITES), seeder: SEEDER });
  const story = events.map((event, order) => ({ event, order, at: moment(now, event.at) }));
  story.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  // the history begins 60 days back, or an hour before the oldest thing a chapter tells of
  const clock = new FakeClock(new Date(Math.min(now.getTime() - 60 * DAY, (story[0]?.at.getTime() ?? now.getTime()) - HOUR)));
  const logger = pino({ level: 'silent' });
  const attachments = new AttachmentStore(join(config.dataDir, 'attachments'));
  const runner = async (built: Assembly) => new EmbeddedScheduler(built.store, clock, built.handlers, { workerId: SEEDER, maxAttempts: 1 });
  const assembly = await assemble(config, { clock, logger, packs, catalogue: shippedCatalogue(), runner });
  const { imsflow, store } = assembly;
  const scheduler = assembly.runner!;

  /** Moves the clock to `target`, running every job that falls due on the way at its own time. */
  const advanceTo = async (target: Date): Promise<void> => {
    if (target.getTime() < clock.now().getTime()) throw new Error(`the demo timeline goes back in time at ${target.toISOString()}`);
    for (;;) {
      const due = (await store.listJobs({ status: 'scheduled' })).map((job) => Date.parse(job.runAt)).filter((at) => at <= target.getTime());
      if (!due.length) break;
      const next = Math.min(...due);
      if (next > clock.now().getTime()) clock.set(new Date(next));
      if ((await scheduler.runDue()) === 0) throw new Error(`a job due at ${new Date(next).toISOString()} did not run`);
    }
    clock.set(target);
  };

  /** The records of the story by name; a record another one started is `<name>/<n>` (its n-th link, from 1). */
  const records = new Map<string, string>();
  const recordId = async (name: string): Promise<string> => {
    const known = records.get(name);
    if (known) return known;
    const linked = /^(.+)\/(\d+)$/.exec(name);
    const parent = linked && (await store.getInstance(await recordId(linked[1])));
    const link = parent?.links?.filter((l) => l.rel === 'started')[Number(linked![2]) - 1];
    if (!link) throw new Error(`the demo story has no record "${name}"`);
    records.set(name, link.instanceId);
    return link.instanceId;
  };
  try {
    // ---- people: created on the first day of the history, each with the demo password ----
    for (const user of DEMO_USERS) {
      await imsflow.saveUser({ id: user.id, email: user.email, name: user.name, roles: user.roles, sites: user.sites, managerId: user.managerId }, SEEDER);
    }
    const accounts = new Accounts(store, clock);
    // scrypt runs on libuv's thread pool, so hashing in parallel keeps seeding (and its test) quick.
    await Promise.all(DEMO_USERS.map((user) => accounts.setPassword(user.id, DEMO_PASSWORD, SEEDER, 'demo account (npm run demo)')));

    // ---- processes ----
    const definitions: DemoSummary['definitions'] = [];
    for (const { file, xml } of shippedProcesses(packs)) {
      const deployed = await imsflow.deploy(xml, SEEDER, `shipped process ${file} (npm run demo)`, { via: 'shipped' });
      definitions.push({ key: deployed.key, version: deployed.version });
    }

    // ---- the story: the chapters of the packs (processes/<pack>/demo.ts), every start, task completion and
    // set-up of every record, in the order they happened ----
    for (const { at, event } of story) {
      await advanceTo(at);
      if (event.act) {
        await event.act(imsflow);
        continue;
      }
      if (event.start) {
        const { process, site, by, variables } = event.start;
        const started = await imsflow.start(process, { site, variables: (typeof variables === 'function' ? variables(at.toISOString().slice(0, 10)) : variables) ?? {} }, by);
        records.set(event.record!, started.id);
        continue;
      }
      const step = event.complete!;
      const instanceId = await recordId(event.record!);
      const open = (await store.listTasks({ instanceId, status: 'open', limit: 1000 })).filter((t) => t.elementId === step.task && (!step.which || step.which(t)));
      if (!open.length) throw new Error(`"${event.record}" has no open ${step.task} task at ${at.toISOString()}`);
      for (const task of step.all ? open : open.slice(0, 1)) {
        const user = await store.getUser(step.by);
        // The rule the API applies to POST /api/tasks/:id/complete: the task is theirs, at one of their sites.
        if (!user || !holdsTask(user, task) || !canSee(user, task)) throw new Error(`${step.by} does not hold "${task.name}" of "${event.record}"`);
        const given = typeof step.data === 'function' ? step.data(task, at.toISOString().slice(0, 10)) : step.data;
        const data: Record<string, unknown> = { ...given };
        // the chapter's files, uploaded to the task as the upload endpoint does it
        for (const [field, make] of Object.entries(step.files ?? {})) {
          const file = await make();
          const buffer = Buffer.from(file.bytes);
          const checked = checkUpload({ buffer, originalname: file.name, mimetype: file.contentType });
          if (!checked.ok) throw new Error(`the demo file ${file.name} of "${event.record}" is refused: ${checked.message}`);
          await attachments.save(buffer);
          await recordUpload(imsflow, user.id, task, field, checked.ref);
          data[field] = checked.ref;
        }
        // A task that takes an electronic signature is signed as through the API: the signer
        // re-authenticates with user id and password (21 CFR 11.200), outside any session.
        const signature = task.signature ? await signatureFor(accounts, { user }, task, data, { email: user.email, password: DEMO_PASSWORD }, imsflow.formContext) : undefined;
        await imsflow.completeTask(task.id, data, user.id, { signature });
      }
    }
    await advanceTo(now);

    return await summarize(config.databaseFile, assembly.baseUrl, definitions, now);
  } finally {
    await assembly.close();
  }

  async function summarize(databaseFile: string, url: string, definitions: DemoSummary['definitions'], at: Date): Promise<DemoSummary> {
    // The nonconformities site by site, each site's in the order they were reported.
    const siteOrder = Object.keys(DEMO_SITES);
    const reports = (await store.listInstances({ limit: 10_000 }))
      .filter((i) => i.key === 'nonconformity')
      .sort((a, b) => siteOrder.indexOf(a.site ?? '') - siteOrder.indexOf(b.site ?? '') || a.startedAt.localeCompare(b.startedAt));
    const nonconformities: DemoSummary['nonconformities'] = [];
    for (const instance of reports) {
      const open = await store.listTasks({ instanceId: instance.id, status: 'open' });
      const dueAt = open.map((t) => t.dueAt).filter((d): d is string => Boolean(d)).sort()[0];
      const closed = instance.output.verify?.effective === 'yes' ? 'Closed as effective' : 'Closed after correction';
      nonconformities.push({
        businessKey: instance.businessKey,
        site: instance.site ?? '',
        title: String(instance.variables.title),
        owner: String(instance.variables.owner),
        stage: instance.status === 'completed' ? closed : open.map((t) => t.name).join(', ') || instance.status,
        ...(dueAt && { dueAt }),
        overdue: Boolean(dueAt && Date.parse(dueAt) < at.getTime()),
      });
    }
    // The newest Dublin report's assessment, as emailed to the Dublin quality manager.
    const newest = reports.filter((i) => i.site === 'dublin').at(-1);
    const [assess] = newest ? await store.listTasks({ instanceId: newest.id, status: 'open' }) : [];
    const message = assess && (await store.listMessages({ taskId: assess.id })).find((m) => m.userId === 'aoife.brennan' && m.link);
    const others: DemoSummary['records'] = [];
    for (const instance of (await store.listInstances({ limit: 10_000 })).filter((i) => i.key !== 'nonconformity').sort((a, b) => a.businessKey.localeCompare(b.businessKey))) {
      const open = await store.listTasks({ instanceId: instance.id, status: 'open', limit: 1000 });
      const dueAt = open.map((t) => t.dueAt).filter((d): d is string => Boolean(d)).sort()[0];
      const count = (t: TaskRecord) => open.filter((o) => o.elementId === t.elementId).length;
      const steps = [...new Set(open.map((t) => (t.iteration && count(t) > 1 ? `${count(t)} × ${t.elementId}` : t.name)))];
      others.push({
        businessKey: instance.businessKey,
        process: instance.key,
        site: instance.site ?? '',
        stage: instance.status === 'running' ? steps.join(', ') || 'waiting (timer)' : instance.status,
        ...(dueAt && { dueAt }),
        overdue: Boolean(dueAt && Date.parse(dueAt) < at.getTime()),
        links: (instance.links ?? []).map((l) => `${l.rel === 'origin' ? 'from' : 'raised'} ${l.businessKey}`),
      });
    }
    return {
      databaseFile,
      password: DEMO_PASSWORD,
      url,
      users: DEMO_USERS,
      definitions,
      nonconformities,
      records: others,
      schedules: (await store.listSchedules()).length,
      ...(message?.link && { taskLink: { userId: 'aoife.brennan', businessKey: assess.businessKey, task: assess.name, url: message.link } }),
    };
  }
}

// ---- the command ------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

/** What `npm run demo` prints: the accounts, the records, and the links to open (for the configured PORT, IMSFLOW_HOST or IMSFLOW_BASE_URL). */
export function report(summary: DemoSummary): string {
  const day = (iso?: string) => (iso ? iso.slice(0, 10) : '');
  return [
    `Seeded the imsflow demo into ${summary.databaseFile}`,
    '',
    `Demo password of every account below: ${summary.password}`,
    '(demo only: anyone who has read this README can sign in with it; never use these accounts for real records)',
    '',
    'Sites:',
    table(Object.entries(DEMO_SITES).map(([site, what]) => [site, what])),
    '',
    'Users:',
    table([
      ['email', 'name', 'roles', 'sites', 'manager', 'job'],
      ...summary.users.map((u) => [u.email, u.name, u.roles.join(', '), u.sites.join(', ') || '(all)', u.managerId ?? '', u.title]),
    ]),
    '',
    `Processes deployed: ${summary.definitions.map((d) => `${d.key} v${d.version}`).join(', ')}`,
    `Scheduled starts: ${summary.schedules}`,
    '',
    'Nonconformities:',
    table([
      ['key', 'site', 'stage', 'due', 'owner', 'title'],
      ...summary.nonconformities.map((n) => [n.businessKey, n.site, n.stage, n.overdue ? `${day(n.dueAt)} OVERDUE` : day(n.dueAt), n.owner, n.title]),
    ]),
    '',
    'CAPAs, gap analyses, audits and management reviews:',
    table([
      ['key', 'site', 'stage', 'due', 'linked'],
      ...summary.records.map((r) => [r.businessKey, r.site, r.stage, r.overdue ? `${day(r.dueAt)} OVERDUE` : day(r.dueAt), r.links.join(', ')]),
    ]),
    '',
    `Now run \`npm start\` and open ${summary.url} :`,
    `  (the links below and in the held emails were made for ${summary.url}: start the server with the same PORT and IMSFLOW_HOST, or IMSFLOW_BASE_URL)`,
    ...(summary.taskLink ? [`  a task page, as emailed to ${summary.taskLink.userId} ("${summary.taskLink.task}", ${summary.taskLink.businessKey}; works without signing in):`, `    ${summary.taskLink.url}`] : []),
    '  the API, signed in as the Dublin quality manager:',
    `    curl -s -c /tmp/imsflow.cookies ${summary.url}/api/session -H 'content-type: application/json' \\`,
    `      -d '{"email": "aoife.brennan@example.com", "password": "${summary.password}"}'`,
    `    curl -s -b /tmp/imsflow.cookies '${summary.url}/api/tasks?overdue=true'`,
    '',
  ].join('\n');
}

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--reset');
  if (unknown.length) {
    process.stderr.write(`unknown argument ${unknown.join(' ')}\nusage: npm run demo [-- --reset]\n`);
    return 2;
  }
  const config = loadConfig();
  try {
    const summary = await seedDemo(config.dataDir, { reset: args.includes('--reset') });
    process.stdout.write(report(summary));
    return 0;
  } catch (err) {
    if (!(err instanceof DemoRefusedError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && existsSync(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
