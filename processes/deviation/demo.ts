import type { DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The deviation's piece of the demo: at Dublin a minor deviation closed with its batch released and a
 * critical one under investigation; at Basel one just raised, waiting for QA to classify it.
 */
export const deviationDemo: DemoChapter = {
  play(story) {
    story.start({ daysAgo: 20, time: '07:50' }, 'deviation-closed', {
      process: 'deviation',
      site: 'dublin',
      by: 'sean.gallagher',
      variables: {
        title: 'Line clearance of filling line 2 signed before the last carton was removed',
        kind: 'unplanned',
        description: 'The line clearance record for batch DB-24110 was signed at 06:40; one carton of the previous batch was found under the conveyor at 07:30.',
        product: 'Ceftriaxone 1 g powder for injection',
        lots: 'DB-24110',
        occurredOn: '2026-10-14',
        immediateAction: 'Filling stopped, the carton removed and reconciled to the previous batch; line clearance repeated and countersigned.',
      },
    });
    story.complete({ daysAgo: 20, time: '11:15' }, 'deviation-closed', {
      task: 'classify',
      by: 'aoife.brennan',
      data: { classification: 'minor', productImpact: 'None: the carton was sealed and reconciled; no mix-up reached the filled vials.', investigator: 'sean.gallagher' },
    });
    story.complete({ daysAgo: 14, time: '16:00' }, 'deviation-closed', {
      task: 'investigate',
      by: 'sean.gallagher',
      data: {
        rootCause: 'The clearance checklist does not ask to look under the conveyor; the area is hard to see from the operator side.',
        causeCategory: 'method',
        otherBatches: 'none',
        capa: 'not-needed',
        capaJustification: 'A one-off; the checklist gets the missing check through the next routine revision of SOP-PK-009.',
      },
    });
    story.complete({ daysAgo: 13, time: '09:30' }, 'deviation-closed', {
      task: 'disposition',
      by: 'aoife.brennan',
      data: { decision: 'release', rationale: 'Reconciliation complete and correct; no impact on the filled product.' },
    });

    story.start({ daysAgo: 3, time: '22:10' }, 'deviation-critical', {
      process: 'deviation',
      site: 'dublin',
      by: 'emma.byrne',
      variables: {
        title: 'Sterilising filter integrity test failed after filtration of batch DB-24133',
        kind: 'unplanned',
        description: 'The post-use bubble point of the 0.22 µm filter on filling line 1 was 2.9 bar against a limit of at least 3.2 bar; the batch was already filled.',
        product: 'Ceftriaxone 1 g powder for injection',
        lots: 'DB-24133',
        occurredOn: '2026-10-31',
        immediateAction: 'Batch DB-24133 on QA hold; the filter kept for the supplier; line 1 stopped until the filter housing is inspected.',
      },
    });
    story.complete({ daysAgo: 2, time: '08:20' }, 'deviation-critical', {
      task: 'classify',
      by: 'aoife.brennan',
      data: { classification: 'critical', productImpact: 'Sterility of the whole batch DB-24133 cannot be assured.', investigator: 'emma.byrne' },
    });

    story.start({ hoursAgo: 4 }, 'deviation-basel', {
      process: 'deviation',
      site: 'basel',
      by: 'nina.schmid',
      variables: {
        title: 'Planned use of the backup passivation bath during maintenance of bath P-1',
        kind: 'planned',
        description: 'Bath P-1 is out for its annual maintenance next week; lots of tibial trays are to be passivated in backup bath P-2, validated for smaller loads.',
        product: 'Tibial tray, titanium',
        lots: 'TT-7781, TT-7782',
        occurredOn: '2026-11-09',
        immediateAction: 'Loads limited to the validated size of P-2; passivation test on every lot.',
      },
    });
  },
};
