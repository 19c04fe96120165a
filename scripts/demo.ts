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
import { EmbeddedScheduler } from '../workers/runners/embedded/scheduler.js';
import { shippedCatalogue, shippedPacks, shippedProcesses } from '../processes/index.js';
import { assemble, type Assembly } from '../engine/boot/assemble.js';
import { loadConfig } from '../engine/boot/config.js';

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
  // the account another system (an MES) sends events with (POST /api/events, with an API token)
  person('mes.connector', 'MES connector', 'Manufacturing execution system (integration account)', ['integration'], []),
];

/** A moment of the demo's past: a day and a UTC time of day, or some hours before the seeding. */
type When = { daysAgo: number; time: string } | { hoursAgo: number };

interface Step {
  /** The user task completed: its BPMN element id in processes/nonconformity/nonconformity.bpmn. */
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
    /** Complete every open task of that element (that `which` accepts), each with its own data. */
    all?: boolean;
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

/** The day `days` after `day` (YYYY-MM-DD): planned dates relative to the story's moment. */
const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The clause an iteration task is for (gap assessments, audit checklist items). */
const clauseOf = (task: TaskRecord): string => String((task.iteration?.item as { clause?: unknown } | undefined)?.clause ?? '');

/** The other processes' records (CAPA, internal audit, gap analysis, management review). */
export const DEMO_STORY: DemoEvent[] = [
  // ---- CAPA, Dublin: a customer complaint, worked through to its effectiveness check (due now) ----
  {
    at: { daysAgo: 52, time: '09:30' },
    record: 'capa-complaint',
    start: { process: 'capa', site: 'dublin', by: 'sean.gallagher' },
  },
  {
    at: { daysAgo: 52, time: '10:05' },
    record: 'capa-complaint',
    complete: {
      task: 'intake',
      by: 'sean.gallagher',
      data: {
        source: 'complaint',
        title: 'Crimp caps cracked on arrival, batch DB-24077',
        description: 'A hospital pharmacy in Cork reported 9 vials of batch DB-24077 with cracked aluminium crimp caps on arrival; sterility of the affected vials cannot be assured.',
        reference: 'CC-2026-0311',
        occurredOn: '2026-09-29',
      },
    },
  },
  {
    at: { daysAgo: 51, time: '14:00' },
    record: 'capa-complaint',
    complete: { task: 'triage', by: 'aoife.brennan', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'emma.byrne' } },
  },
  {
    at: { daysAgo: 50, time: '11:20' },
    record: 'capa-complaint',
    complete: {
      task: 'contain',
      by: 'emma.byrne',
      data: {
        containment: 'Remaining stock of DB-24077 and the two batches crimped on the same shift placed on QA hold; customers of DB-24077 informed.',
        correction: 'Replacement vials from batch DB-24081 shipped to the hospital pharmacy; the 9 vials returned and destroyed.',
        similar: 'The same crimper seals 5 other products: their retained samples were checked, no cracked caps found.',
      },
    },
  },
  {
    at: { daysAgo: 45, time: '16:10' },
    record: 'capa-complaint',
    complete: {
      task: 'rootCause',
      by: 'emma.byrne',
      data: {
        why1: 'The caps cracked because the crimping force was above the specification.',
        why2: 'The crimper ran the recipe of a larger vial format.',
        why3: 'The operator selected the recipe from a free list at line set-up.',
        why4: 'Recipes are not tied to the product code in the crimper HMI.',
        category: 'method',
        rootCause: 'Crimper recipes can be chosen freely instead of being tied to the product code.',
      },
    },
  },
  {
    at: { daysAgo: 44, time: '10:00' },
    record: 'capa-complaint',
    complete: {
      task: 'plan',
      by: 'emma.byrne',
      data: {
        action1: 'Tie crimper recipes to the product code (HMI change under change control CC-1187)',
        action1Owner: 'sean.gallagher',
        action2: 'Add a crimp force check of the first 20 vials to the line set-up checklist SOP-FL-021',
        action2Owner: 'emma.byrne',
        effectivenessWait: 'P30D',
        effectivenessCriteria: 'No cracked caps in 30 days of production and in the next two complaint trend reports.',
      },
    },
  },
  {
    at: { daysAgo: 34, time: '15:00' },
    record: 'capa-complaint',
    complete: { task: 'implement', by: 'emma.byrne', which: (t) => t.assignee === 'emma.byrne', data: (_t, day) => ({ done: 'SOP-FL-021 revised to version 6; 14 operators trained.', evidence: 'SOP-FL-021 v6, training record TR-2291', completedOn: day }) },
  },
  {
    at: { daysAgo: 31, time: '12:30' },
    record: 'capa-complaint',
    complete: { task: 'implement', by: 'sean.gallagher', data: (_t, day) => ({ done: 'Recipe selection locked to the product code; validated under CC-1187.', evidence: 'CC-1187, validation report VR-0932', completedOn: day }) },
  },

  // ---- CAPA, Basel: an improvement suggestion closed at triage with a justification ----
  { at: { daysAgo: 21, time: '08:40' }, record: 'capa-suggestion', start: { process: 'capa', site: 'basel', by: 'nina.schmid' } },
  {
    at: { daysAgo: 21, time: '09:00' },
    record: 'capa-suggestion',
    complete: {
      task: 'intake',
      by: 'nina.schmid',
      data: { source: 'improvement-suggestion', title: 'Colour-code the torque wrenches by calibration quarter', description: 'Suggests coloured rings on torque wrenches showing the calibration quarter, so an overdue tool is seen at a glance.' },
    },
  },
  {
    at: { daysAgo: 19, time: '13:15' },
    record: 'capa-suggestion',
    complete: {
      task: 'triage',
      by: 'sabine.frei',
      data: { severity: '2', occurrence: '2', fullCapa: 'no', justification: 'Taken into the calibration procedure update (document change DC-0455); no nonconformity to correct, so no CAPA is needed.' },
    },
  },

  // ---- audit programme: approved two months ago; the Dublin audit is done, the Basel one still ahead ----
  { at: { daysAgo: 59, time: '08:00' }, record: 'programme', start: { process: 'audit-programme', site: 'dublin', by: 'aoife.brennan' } },
  {
    at: { daysAgo: 59, time: '09:00' },
    record: 'programme',
    complete: {
      task: 'planProgramme',
      by: 'aoife.brennan',
      data: (_t, day) => ({
        year: Number(day.slice(0, 4)),
        criteriaNote: 'Sterile filling first (two complaints this year and a new crimper), supplier control at Basel after last year’s findings; every process of both sites is covered within three years.',
        audit1Area: 'Sterile filling and packaging',
        audit1Site: 'dublin',
        audit1Date: addDays(day, 15),
        audit1Lead: 'henrik.larsen',
        audit2Area: 'Purchasing and incoming inspection',
        audit2Site: 'basel',
        audit2Date: addDays(day, 75),
        audit2Lead: 'henrik.larsen',
      }),
    },
  },
  { at: { daysAgo: 57, time: '16:00' }, record: 'programme', complete: { task: 'approveProgramme', by: 'siobhan.walsh', data: { comments: 'Approved; the Basel audit to include the supplier re-evaluation.' } } },
  {
    at: { daysAgo: 44, time: '08:30' },
    record: 'programme/1',
    complete: {
      task: 'plan',
      by: 'henrik.larsen',
      data: (_t, day) => ({
        area: 'Sterile filling and packaging',
        auditee: 'ciaran.doyle',
        scope: 'Filling line 2 and secondary packaging, both shifts: line clearance, crimping, environmental monitoring records, documented information at the line.',
        criteria: ['7.5', '8.1'],
        leadAuditor: 'henrik.larsen',
        auditDate: addDays(day, 2),
        method: 'on-site',
      }),
    },
  },
  {
    at: { daysAgo: 42, time: '17:30' },
    record: 'programme/1',
    complete: {
      task: 'conduct',
      by: 'henrik.larsen',
      all: true,
      data: (task) => {
        switch (clauseOf(task)) {
          case '7.5.3':
            return { result: 'major', evidence: 'Line clearance records of 3 of 10 sampled batches kept as uncontrolled copies at the line.', finding: 'Line clearance records are not controlled: uncontrolled copies of form F-PK-07 (superseded version 3) in use at line 2.' };
          case '8.1':
            return { result: 'minor', evidence: 'Crimper set-up instruction not yet updated for the new recipe lock (CC-1187).', finding: 'The work instruction for crimper set-up does not reflect the change CC-1187.' };
          case '7.5.2':
            return { result: 'ofi', evidence: 'Batch record templates reviewed.', finding: 'Electronic batch record templates could show the effective date on every page.' };
          default:
            return { result: 'conforms', evidence: 'Procedure and sampled records reviewed at line 2; no deviation found.' };
        }
      },
    },
  },
  {
    at: { daysAgo: 41, time: '15:00' },
    record: 'programme/1',
    complete: { task: 'report', by: 'henrik.larsen', data: { summary: 'Filling and packaging at Dublin are well run; document control at the line and one work instruction need correction.', conclusion: 'conforms-with-findings', strengths: 'Environmental monitoring trending is exemplary.' } },
  },
  { at: { daysAgo: 40, time: '10:00' }, record: 'programme/1', complete: { task: 'reviewReport', by: 'aoife.brennan', data: { decision: 'accept', comments: 'Findings agreed with the area owner.' } } },
  { at: { daysAgo: 39, time: '09:00' }, record: 'programme/1/1', complete: { task: 'triage', by: 'aoife.brennan', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'sean.gallagher' } } },

  // ---- management review, Dublin: held three days ago, signed off, its two actions being worked ----
  { at: { daysAgo: 12, time: '08:00' }, record: 'review-dublin', start: { process: 'management-review', site: 'dublin', by: 'aoife.brennan' } },
  {
    at: { daysAgo: 10, time: '16:00' },
    record: 'review-dublin',
    complete: {
      task: 'prepare',
      by: 'aoife.brennan',
      data: (_t, day) => ({
        meetingDate: addDays(day, 7),
        periodFrom: addDays(day, -180),
        objectivesQuality: 'Right-first-time batch release 97.8 % (target 98 %); complaints 0.4 per million units (target 0.5).',
        objectivesEnvironment: 'Water use per batch −6 % (target −5 %).',
        objectivesSafety: 'No lost-time injury; 41 near misses reported (target 30 or more).',
        contextChanges: 'EU GMP Annex 1 (2022) fully in force; new customer for ceftriaxone in France.',
        customerFeedback: 'Two complaints (cracked caps, leaflet version); customer survey 8.6/10.',
        processPerformance: 'Filling line 2 OEE 71 %; two deviations above the trend limit.',
        externalProviders: 'Cap supplier on watch after the cracked-cap complaint; all others approved.',
        resources: 'One QC microbiologist vacancy open for four months.',
        risksActions: 'Crimper recipe lock (CAPA) implemented; effectiveness check due.',
        improvement: 'Barcode check of all packaging components, not only leaflets.',
      }),
    },
  },
  {
    at: { daysAgo: 3, time: '15:30' },
    record: 'review-dublin',
    complete: {
      task: 'meeting',
      by: 'aoife.brennan',
      data: (_t, day) => ({
        attendees: 'Siobhan Walsh (site director), Ciaran Doyle (operations), Aoife Brennan (quality), Henrik Larsen (internal audit, guest).',
        minutesPreviousActions: 'No earlier review in imsflow; the paper actions of last year are closed.',
        minutesContext: 'Annex 1 gap closed; the French customer’s quality agreement is signed.',
        minutesPerformance: 'Right-first-time just below target, driven by the two packaging deviations.',
        minutesResources: 'The QC vacancy delays environmental monitoring trending.',
        minutesRisks: 'The crimper CAPA is implemented; effectiveness is checked next week.',
        minutesImprovement: 'Extend barcode checks to cartons and labels.',
        decisionImprovement: 'Extend barcode checks to every printed packaging component.',
        decisionChanges: 'None to the management system itself.',
        decisionResources: 'Fill the QC vacancy with a contractor until hired.',
        action1: 'Hire a contract QC microbiologist until the vacancy is filled',
        action1Owner: 'ciaran.doyle',
        action1Due: addDays(day, 30),
        action2: 'Extend barcode checks to cartons and labels on every packaging line',
        action2Owner: 'sean.gallagher',
        action2Due: addDays(day, 60),
        action2Capa: true,
      }),
    },
  },
  {
    at: { daysAgo: 2, time: '11:00' },
    record: 'review-dublin',
    complete: { task: 'signOff', by: 'siobhan.walsh', data: { conclusion: 'effective-with-actions', statement: 'The management system of the Dublin plant is suitable, adequate and effective; the two actions are resourced.' } },
  },

  // ---- gap analysis, Basel: documented information and external providers, 9001 and 45001 ----
  { at: { daysAgo: 47, time: '08:00' }, record: 'gap-basel', start: { process: 'gap-analysis', site: 'basel', by: 'sabine.frei' } },
  {
    at: { daysAgo: 47, time: '08:30' },
    record: 'gap-basel',
    complete: {
      task: 'scope',
      by: 'sabine.frei',
      data: {
        title: 'Basel 2026 gap analysis: documented information and external providers',
        standards: '9001,45001',
        clauses: ['7.5', '9001:8.4'],
        purpose: 'Before the ISO 45001 certification audit, and after the supplier findings of the last customer audit.',
        assessor: 'sabine.frei',
        fromPrevious: 'no',
        assessmentDue: 'P14D',
      },
    },
  },
  {
    at: { daysAgo: 40, time: '17:00' },
    record: 'gap-basel',
    complete: {
      task: 'assess',
      by: 'sabine.frei',
      all: true,
      data: (task) => {
        switch (clauseOf(task)) {
          case '7.5.3':
            return { status: 'partial', comment: 'Retention periods are defined for batch records but not for OH&S records (incident reports, exposure measurements).', owner: 'lukas.keller', action: 'Add OH&S records to the retention schedule QM-017.' };
          case '9001:8.4':
            return { status: 'gap', comment: 'Suppliers of implant-grade raw material are not re-evaluated; the approved supplier list has no review dates.', owner: 'marco.weber', action: 'Define and run a yearly supplier re-evaluation.', raiseCapa: true };
          default:
            return { status: 'conforms', evidenceRef: 'QM-001 document control procedure, sampled records' };
        }
      },
    },
  },
  { at: { daysAgo: 38, time: '10:00' }, record: 'gap-basel/1', complete: { task: 'triage', by: 'sabine.frei', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'marco.weber' } } },
  {
    at: { daysAgo: 36, time: '11:00' },
    record: 'gap-basel',
    complete: { task: 'signOff', by: 'sabine.frei', data: { conclusion: 'Documented information conforms except the retention of OH&S records; supplier re-evaluation is missing and is handled as a CAPA.', accepted: true } },
  },
  {
    at: { daysAgo: 33, time: '14:00' },
    record: 'gap-basel/1',
    complete: {
      task: 'contain',
      by: 'marco.weber',
      data: { containment: 'The 4 implant-grade material suppliers were re-evaluated at once; all remain approved.', correction: 'Review dates added to the approved supplier list.' },
    },
  },
  {
    at: { daysAgo: 20, time: '09:45' },
    record: 'gap-basel',
    complete: { task: 'closeGap', by: 'lukas.keller', which: (t) => t.assignee === 'lukas.keller', data: (_t, day) => ({ done: 'OH&S records added to retention schedule QM-017 (version 9).', evidenceRef: 'QM-017 v9', completedOn: day }) },
  },
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
  // the demo picks its packs and its runner: the embedded scheduler, driven by hand along the timeline
  const runner = async (built: Assembly) => new EmbeddedScheduler(built.store, clock, built.handlers, { workerId: SEEDER, maxAttempts: 1 });
  const assembly = await assemble(config, { clock, logger, packs: shippedPacks, catalogue: shippedCatalogue(), runner });
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
      const deployed = await imsflow.deploy(xml, SEEDER, `shipped process ${file} (npm run demo)`, { via: 'shipped' });
      definitions.push({ key: deployed.key, version: deployed.version });
    }

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
      const open = (await store.listTasks({ instanceId, status: 'open', limit: 1000 })).filter((t) => t.elementId === step.task && (!step.which || step.which(t)));
      if (!open.length) throw new Error(`"${event.record}" has no open ${step.task} task at ${at.toISOString()}`);
      for (const task of step.all ? open : open.slice(0, 1)) {
        const user = await store.getUser(step.by);
        // The rule the API applies to POST /api/tasks/:id/complete: the task is theirs, at one of their sites.
        if (!user || !holdsTask(user, task) || !canSee(user, task)) throw new Error(`${step.by} does not hold "${task.name}" of "${event.record}"`);
        const data = typeof step.data === 'function' ? step.data(task, at.toISOString().slice(0, 10)) : step.data;
        // A task that takes an electronic signature is signed as through the API: the signer
        // re-authenticates with user id and password (21 CFR 11.200), outside any session.
        const signature = task.signature ? await signatureFor(accounts, { user }, task, data, { email: user.email, password: DEMO_PASSWORD }, imsflow.formContext) : undefined;
        await imsflow.completeTask(task.id, data, user.id, { signature });
      }
    }
    for (const [index, nc] of DEMO_NONCONFORMITIES.entries()) instanceIds.set(nc, await recordId(`nc-${index + 1}`));
    await advanceTo(now);
    // The calendar of the management system: next year's audit programme (both plants) planned each
    // December, each plant's management review in January. Made at the end, so they lie ahead.
    await imsflow.saveSchedule({ id: 'audit-programme', processKey: 'audit-programme', cron: '0 6 1 12 *', timezone: 'Europe/Dublin' }, SEEDER);
    await imsflow.saveSchedule({ id: 'management-review-dublin', processKey: 'management-review', cron: '0 7 15 1 *', timezone: 'Europe/Dublin', site: 'dublin' }, SEEDER);
    await imsflow.saveSchedule({ id: 'management-review-basel', processKey: 'management-review', cron: '0 7 20 1 *', timezone: 'Europe/Zurich', site: 'basel' }, SEEDER);

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
