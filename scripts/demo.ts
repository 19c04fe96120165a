/**
 * `npm run demo`: seeds a demo organization into the data folder (IMSFLOW_DATA, default ./data), so that
 * `npm start` afterwards shows a living system: two plants, people in every role, the shipped processes
 * deployed, and nonconformities at every stage, one of them overdue and already escalated.
 *
 *   npm run demo              refuses when the data folder already holds a database
 *   npm run demo -- --reset   deletes the database file(s) first (stop the server before)
 *
 * Everything goes through the engine's public operations (saveUser, setPassword, deploy, start,
 * completeTask) and the job handlers, so the records, jobs, outbox and hash-chained audit trail are what
 * real use would have produced. Every account shares one demo password: never seed this into a real
 * installation.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { canSee, holdsTask } from '../api/auth.js';
import { signatureFor } from '../api/signing.js';
import { Accounts } from '../engine/accounts.js';
import { FakeClock } from '../engine/clock.js';
import type { InstanceRecord, TaskRecord } from '../engine/model.js';
import { passwordProblems } from '../engine/passwords.js';
import { EmbeddedScheduler } from '../engine/scheduler/embedded.js';
import { shippedProcesses } from '../processes/index.js';
import { assemble } from '../workers/assemble.js';
import { loadConfig } from '../workers/config.js';

/** The one password of every demo account. Meets engine/passwords.ts (12+ characters, no user's name in it). */
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
];

/** A moment of the demo's past: a day and a UTC time of day, or some hours before the seeding. */
type When = { daysAgo: number; time: string } | { hoursAgo: number };

interface Step {
  /** The user task completed: its BPMN element id in processes/nonconformity.bpmn. */
  task: 'assess' | 'act' | 'verify';
  by: string;
  at: When;
  /** Form data; the date field of "Take corrective action" (completedOn) is the step's day. */
  data: Record<string, unknown>;
}

interface DemoNonconformity {
  site: DemoSite;
  reportedBy: string;
  at: When;
  title: string;
  description: string;
  /** Who takes the corrective action: a staff member of the site. */
  owner: string;
  steps: Step[];
}

/**
 * The nonconformities, each driven to its stage by the people who hold its tasks:
 * Dublin: one closed, one overdue in "Take corrective action", one on time there, two in "Assess and contain";
 * Basel: one in "Verify effectiveness", one in "Take corrective action", two in "Assess and contain".
 */
export const DEMO_NONCONFORMITIES: DemoNonconformity[] = [
  {
    site: 'dublin',
    reportedBy: 'sean.gallagher',
    at: { daysAgo: 38, time: '10:20' },
    title: 'Superseded patient leaflet packed with batch DB-24098',
    description:
      'At the line clearance check in secondary packaging, 14 cartons of batch DB-24098 (ceftriaxone 1 g powder for injection) were found with patient leaflet version 7 instead of the current version 8.',
    owner: 'sean.gallagher',
    steps: [
      {
        task: 'assess',
        by: 'aoife.brennan',
        at: { daysAgo: 37, time: '09:15' },
        data: {
          severity: 'major',
          containment: 'Batch DB-24098 placed on QA hold; all 1,200 cartons re-inspected; the 14 cartons re-worked with leaflet version 8 under deviation DEV-2231.',
          actionNeeded: true,
        },
      },
      {
        task: 'act',
        by: 'sean.gallagher',
        at: { daysAgo: 24, time: '15:40' },
        data: {
          cause: 'Version 7 leaflets were not removed from the packaging material store when version 8 was released; the line set-up check relied on reading the version by eye.',
          actionTaken: 'Remaining version 7 stock destroyed; SOP-PK-014 now requires a barcode scan of the leaflet code at every line set-up; all 12 packaging operators trained.',
        },
      },
      {
        task: 'verify',
        by: 'aoife.brennan',
        at: { daysAgo: 11, time: '11:00' },
        data: {
          effective: 'yes',
          evidence: 'Eight batches packed since the change: set-up records show the barcode check each time, the scanner challenge test passed, and no wrong leaflet was found.',
        },
      },
    ],
  },
  {
    site: 'dublin',
    reportedBy: 'emma.byrne',
    at: { daysAgo: 37, time: '08:45' },
    title: 'Environmental monitoring excursion in the Grade B corridor',
    description:
      'Settle plate EM-B-07 in the Grade B corridor beside filling room 2 grew 12 CFU/4 h (action limit 5 CFU/4 h) on the late shift; the isolate was identified as Bacillus cereus.',
    owner: 'emma.byrne',
    steps: [
      {
        task: 'assess',
        by: 'aoife.brennan',
        at: { daysAgo: 36, time: '14:10' },
        data: {
          severity: 'major',
          containment: 'Both batches filled on that shift placed on hold pending investigation; corridor cleaned with a sporicidal agent and re-sampled on three days (all 0 CFU).',
          actionNeeded: true,
        },
      },
      // No "act" step: due 30 days after the assessment, so six days overdue at the seeding, escalated once.
    ],
  },
  {
    site: 'dublin',
    reportedBy: 'aoife.brennan',
    at: { daysAgo: 9, time: '11:30' },
    title: 'Cleaning record of compounding vessel V-102 not verified',
    description:
      'Batch record review found that the cleaning log of compounding vessel V-102 for the changeover before batch DB-24120 has no second-person verification signature.',
    owner: 'sean.gallagher',
    steps: [
      {
        task: 'assess',
        by: 'aoife.brennan',
        at: { daysAgo: 8, time: '09:40' },
        data: {
          severity: 'minor',
          containment: 'Cleaning confirmed retrospectively from the swab results (all below the acceptance limit); batch DB-24120 released only after QA review of the swab data.',
          actionNeeded: true,
        },
      },
    ],
  },
  {
    site: 'dublin',
    reportedBy: 'sean.gallagher',
    at: { daysAgo: 2, time: '16:05' },
    title: 'Temperature excursion in cold room CR-03',
    description:
      'The monitoring system recorded 9.4 °C for 40 minutes in cold room CR-03 (range 2–8 °C) after the door was left ajar during a delivery; 36 pallets of finished product were inside.',
    owner: 'sean.gallagher',
    steps: [],
  },
  {
    site: 'dublin',
    reportedBy: 'emma.byrne',
    at: { hoursAgo: 5 },
    title: 'Visible particles in vials of lot DB-24131',
    description:
      'Automated visual inspection rejected 0.9 % of the vials of lot DB-24131 for particles (alert level 0.3 %); manual re-inspection confirmed glass-like particles in 23 vials.',
    owner: 'emma.byrne',
    steps: [],
  },
  {
    site: 'basel',
    reportedBy: 'marco.weber',
    at: { daysAgo: 30, time: '09:10' },
    title: 'Certificate of conformance missing for PEEK bar stock',
    description:
      'Incoming inspection of delivery 4500-8812 (three bars of implant-grade PEEK) found no material certificate of conformance; the bars had been booked into stock before the gap was noticed.',
    owner: 'marco.weber',
    steps: [
      {
        task: 'assess',
        by: 'sabine.frei',
        at: { daysAgo: 29, time: '13:30' },
        data: {
          severity: 'major',
          containment: 'Bars blocked in the ERP (status Q) and moved to the quarantine rack; the certificate was obtained from the supplier two days later and the material released after review.',
          actionNeeded: true,
        },
      },
      {
        task: 'act',
        by: 'marco.weber',
        at: { daysAgo: 12, time: '10:45' },
        data: {
          cause: 'The goods receipt transaction did not require the certificate, and the supplier’s new dispatch process left certificates out of the box.',
          actionTaken: 'Goods receipt of implant-grade material now requires the certificate number before posting; supplier corrective action request SCAR-0412 answered with a dispatch checklist.',
        },
      },
    ],
  },
  {
    site: 'basel',
    reportedBy: 'sabine.frei',
    at: { daysAgo: 15, time: '14:20' },
    title: 'Torque wrench TW-114 used past its calibration due date',
    description:
      'On a production walk-through, torque wrench TW-114, used to tighten the locking screws of tibial trays at final assembly, was found three weeks past its calibration due date.',
    owner: 'nina.schmid',
    steps: [
      {
        task: 'assess',
        by: 'sabine.frei',
        at: { daysAgo: 14, time: '10:00' },
        data: {
          severity: 'minor',
          containment: 'TW-114 withdrawn and calibrated: found within tolerance (+1.2 %), so product assembled meanwhile is not affected; a calibrated replacement was issued.',
          actionNeeded: true,
        },
      },
    ],
  },
  {
    site: 'basel',
    reportedBy: 'nina.schmid',
    at: { daysAgo: 1, time: '15:30' },
    title: 'Burrs on the thread of titanium bone screws, lot BS-5521',
    description:
      'Final visual inspection found burrs at the thread run-out of 17 of 250 cancellous bone screws (Ti-6Al-4V, 6.5 mm) from lot BS-5521, machined on Swiss-type lathe L-3.',
    owner: 'nina.schmid',
    steps: [],
  },
  {
    site: 'basel',
    reportedBy: 'nina.schmid',
    at: { hoursAgo: 3 },
    title: 'Pouch seal width below specification on sealer PS-2',
    description:
      'The in-process check measured seal widths of 4.1–4.4 mm on sterile barrier pouches from sealer PS-2 (specification at least 5 mm); three trays of sealed implants from the morning shift are affected.',
    owner: 'marco.weber',
    steps: [],
  },
];

/** One event of the demo's story: a record started, or one of its tasks completed by whoever holds it. */
export interface DemoEvent {
  at: When;
  /** The record's name in the story; `<name>/<n>` is the n-th record it started (a linked CAPA, say). */
  record: string;
  start?: { process: string; site: DemoSite; by: string; variables?: Record<string, unknown> };
  complete?: {
    /** The user task's BPMN element id. */
    task: string;
    by: string;
    /** Form data, or made from the task (an iteration's clause) and the day it is completed on. */
    data: Record<string, unknown> | ((task: TaskRecord, day: string) => Record<string, unknown>);
    /** Which open task of that element, when several are (multi-instance iterations). */
    which?: (task: TaskRecord) => boolean;
  };
}

/** The nonconformities as story events: each report, then each step. */
function nonconformityEvents(): DemoEvent[] {
  return DEMO_NONCONFORMITIES.flatMap((nc, index) => {
    const record = `nc-${index + 1}`;
    return [
      { at: nc.at, record, start: { process: 'nonconformity', site: nc.site, by: nc.reportedBy, variables: { title: nc.title, description: nc.description, owner: nc.owner } } },
      ...nc.steps.map((step) => ({
        at: step.at,
        record,
        // the date field of "Take corrective action" (completedOn) is the step's day
        complete: { task: step.task, by: step.by, data: step.task === 'act' ? (_task: TaskRecord, day: string) => ({ ...step.data, completedOn: day }) : step.data },
      })),
    ];
  });
}

/** The other processes' records (CAPA, internal audit, gap analysis, management review). */
export const DEMO_STORY: DemoEvent[] = [];

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
}

export interface DemoSummary {
  databaseFile: string;
  password: string;
  /** Where the server will answer (IMSFLOW_BASE_URL or http://127.0.0.1:PORT). */
  url: string;
  users: DemoUser[];
  definitions: { key: string; version: number }[];
  nonconformities: { businessKey: string; site: string; title: string; owner: string; stage: string; dueAt?: string; overdue: boolean }[];
  /** Scheduled starts created: none (see the note in seedDemo). */
  schedules: number;
  /** A task link as emailed (held in the outbox, no mail server being configured): opens without signing in. */
  taskLink?: { userId: string; businessKey: string; task: string; url: string };
}

/** The SQLite database and its companion files (WAL mode), as the server names them. */
function databaseFiles(databaseFile: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => `${databaseFile}${suffix}`);
}

const DAY = 86_400_000;

function moment(now: Date, when: When): Date {
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
  const clock = new FakeClock(new Date(now.getTime() - 60 * DAY));
  const logger = pino({ level: 'silent' });
  const assembly = await assemble(config, { clock, logger });
  const { imsflow, store } = assembly;
  const scheduler = new EmbeddedScheduler(store, clock, assembly.handlers, { workerId: SEEDER, maxAttempts: 1 });

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
  const instanceIds = new Map<DemoNonconformity, string>();
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
    for (const { file, xml } of shippedProcesses()) {
      const deployed = await imsflow.deploy(xml, SEEDER, `shipped process ${file} (npm run demo)`);
      definitions.push({ key: deployed.key, version: deployed.version });
    }
    // Scheduled starts: none. The shipped processes (nonconformity, CAPA) start when something goes
    // wrong, never on a calendar; a yearly management review belongs on the management review process
    // once it ships, not on these. The demo history has no CAPA yet: the CAPA process is deployed only.

    // ---- the story: every start and task completion of every record, in the order they happened ----
    const story = [...nonconformityEvents(), ...DEMO_STORY].map((event, order) => ({ event, order, at: moment(now, event.at) }));
    story.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    for (const { at, event } of story) {
      await advanceTo(at);
      if (event.start) {
        const { process, site, by, variables } = event.start;
        const started = await imsflow.start(process, { site, variables: variables ?? {} }, by);
        records.set(event.record, started.id);
        continue;
      }
      const step = event.complete!;
      const instanceId = await recordId(event.record);
      const open = (await store.listTasks({ instanceId, status: 'open' })).filter((t) => t.elementId === step.task && (!step.which || step.which(t)));
      const task = open[0];
      if (!task) throw new Error(`"${event.record}" has no open ${step.task} task at ${at.toISOString()}`);
      const user = await store.getUser(step.by);
      // The rule the API applies to POST /api/tasks/:id/complete: the task is theirs, at one of their sites.
      if (!user || !holdsTask(user, task) || !canSee(user, task)) throw new Error(`${step.by} does not hold "${task.name}" of "${event.record}"`);
      const data = typeof step.data === 'function' ? step.data(task, at.toISOString().slice(0, 10)) : step.data;
      // A task that takes an electronic signature is signed as through the API: the signer
      // re-authenticates with user id and password (21 CFR 11.200), outside any session.
      const signature = task.signature ? await signatureFor(accounts, { user }, task, data, { email: user.email, password: DEMO_PASSWORD }, imsflow.formContext) : undefined;
      await imsflow.completeTask(task.id, data, user.id, { signature });
    }
    for (const [index, nc] of DEMO_NONCONFORMITIES.entries()) instanceIds.set(nc, await recordId(`nc-${index + 1}`));
    await advanceTo(now);

    return await summarize(config.databaseFile, assembly.baseUrl, definitions, now);
  } finally {
    await assembly.close();
  }

  async function summarize(databaseFile: string, url: string, definitions: DemoSummary['definitions'], at: Date): Promise<DemoSummary> {
    const nonconformities: DemoSummary['nonconformities'] = [];
    for (const nc of DEMO_NONCONFORMITIES) {
      const instance = (await store.getInstance(instanceIds.get(nc)!)) as InstanceRecord;
      const open = await store.listTasks({ instanceId: instance.id, status: 'open' });
      const dueAt = open.map((t) => t.dueAt).filter((d): d is string => Boolean(d)).sort()[0];
      const closed = instance.output.verify?.effective === 'yes' ? 'Closed as effective' : 'Closed after correction';
      nonconformities.push({
        businessKey: instance.businessKey,
        site: nc.site,
        title: nc.title,
        owner: nc.owner,
        stage: instance.status === 'completed' ? closed : open.map((t) => t.name).join(', ') || instance.status,
        ...(dueAt && { dueAt }),
        overdue: Boolean(dueAt && Date.parse(dueAt) < at.getTime()),
      });
    }
    // The newest report's assessment, as emailed to the Dublin quality manager.
    const newest = DEMO_NONCONFORMITIES.find((nc) => nc.site === 'dublin' && 'hoursAgo' in nc.at)!;
    const [assess] = await store.listTasks({ instanceId: instanceIds.get(newest)!, status: 'open' });
    const message = assess && (await store.listMessages({ taskId: assess.id })).find((m) => m.userId === 'aoife.brennan' && m.link);
    return {
      databaseFile,
      password: DEMO_PASSWORD,
      url,
      users: DEMO_USERS,
      definitions,
      nonconformities,
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

function report(summary: DemoSummary): string {
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
    'Scheduled starts: none (the nonconformity process is started when something goes wrong, not on a calendar)',
    '',
    'Nonconformities:',
    table([
      ['key', 'site', 'stage', 'due', 'owner', 'title'],
      ...summary.nonconformities.map((n) => [n.businessKey, n.site, n.stage, n.overdue ? `${day(n.dueAt)} OVERDUE` : day(n.dueAt), n.owner, n.title]),
    ]),
    '',
    `Now run \`npm start\` and open ${summary.url} :`,
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
