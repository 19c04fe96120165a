import type { DemoChapter, DemoMoment } from '../../engine/features/demo/index.js';

interface Step {
  /** The user task completed: its BPMN element id in processes/nonconformity/nonconformity.bpmn. */
  task: 'assess' | 'act' | 'verify';
  by: string;
  at: DemoMoment;
  /** Form data; the date field of "Take corrective action" (completedOn) is the step's day. */
  data: Record<string, unknown>;
}

interface DemoNonconformity {
  site: string;
  reportedBy: string;
  at: DemoMoment;
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
const DEMO_NONCONFORMITIES: DemoNonconformity[] = [
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

/**
 * The nonconformity's piece of the demo: nine reports at both plants, each driven to its stage by the
 * people who hold its tasks, one corrective action overdue and already escalated.
 */
export const nonconformityDemo: DemoChapter = {
  play(story) {
    for (const [index, nc] of DEMO_NONCONFORMITIES.entries()) {
      const record = `nc-${index + 1}`;
      story.start(nc.at, record, { process: 'nonconformity', site: nc.site, by: nc.reportedBy, variables: { title: nc.title, description: nc.description, owner: nc.owner } });
      for (const step of nc.steps) {
        // the date field of "Take corrective action" (completedOn) is the step's day
        story.complete(step.at, record, { task: step.task, by: step.by, data: step.task === 'act' ? (_task, day) => ({ ...step.data, completedOn: day }) : step.data });
      }
    }
  },
};
