import { addDays, type DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The management review's piece of the demo: the Dublin review, held three days ago and signed off, its two
 * actions being worked (one raised a CAPA). Each plant's next review is on the calendar for January.
 */
export const managementReviewDemo: DemoChapter = {
  play(story) {
    story.start({ daysAgo: 12, time: '08:00' }, 'review-dublin', { process: 'management-review', site: 'dublin', by: 'aoife.brennan', variables: { title: 'Dublin management review' } });
    story.complete({ daysAgo: 10, time: '16:00' }, 'review-dublin', {
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
    });
    story.complete({ daysAgo: 3, time: '15:30' }, 'review-dublin', {
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
    });
    story.complete({ daysAgo: 2, time: '11:00' }, 'review-dublin', { task: 'signOff', by: 'siobhan.walsh', data: { conclusion: 'effective-with-actions', statement: 'The management system of the Dublin plant is suitable, adequate and effective; the two actions are resourced.' } });

    // the calendar: each plant's review in January; made last, so they lie ahead
    story.act('now', (imsflow) => imsflow.saveSchedule({ id: 'management-review-dublin', processKey: 'management-review', cron: '0 7 15 1 *', timezone: 'Europe/Dublin', site: 'dublin' }, story.seeder));
    story.act('now', (imsflow) => imsflow.saveSchedule({ id: 'management-review-basel', processKey: 'management-review', cron: '0 7 20 1 *', timezone: 'Europe/Zurich', site: 'basel' }, story.seeder));
  },
};
