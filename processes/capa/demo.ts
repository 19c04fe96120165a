import type { DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The CAPA's piece of the demo: CAPAs at every stage. Dublin's customer complaint, worked through to its
 * effectiveness check; a Basel improvement suggestion closed at triage; and the CAPAs other records raised:
 * the Dublin audit's major finding (triaged) and Basel's supplier re-evaluation gap (contained).
 */
export const capaDemo: DemoChapter = {
  after: ['internal-audit', 'gap-analysis'],
  play(story) {
    // ---- CAPA, Dublin: a customer complaint, worked through to its effectiveness check (due now) ----
    story.start({ daysAgo: 52, time: '09:30' }, 'capa-complaint', { process: 'capa', site: 'dublin', by: 'sean.gallagher' });
    story.complete({ daysAgo: 52, time: '10:05' }, 'capa-complaint', {
      task: 'intake',
      by: 'sean.gallagher',
      data: {
        source: 'complaint',
        title: 'Crimp caps cracked on arrival, batch DB-24077',
        description: 'A hospital pharmacy in Cork reported 9 vials of batch DB-24077 with cracked aluminium crimp caps on arrival; sterility of the affected vials cannot be assured.',
        reference: 'CC-2026-0311',
        occurredOn: '2026-09-29',
      },
    });
    story.complete({ daysAgo: 51, time: '14:00' }, 'capa-complaint', { task: 'triage', by: 'aoife.brennan', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'emma.byrne' } });
    story.complete({ daysAgo: 50, time: '11:20' }, 'capa-complaint', {
      task: 'contain',
      by: 'emma.byrne',
      data: {
        containment: 'Remaining stock of DB-24077 and the two batches crimped on the same shift placed on QA hold; customers of DB-24077 informed.',
        correction: 'Replacement vials from batch DB-24081 shipped to the hospital pharmacy; the 9 vials returned and destroyed.',
        similar: 'The same crimper seals 5 other products: their retained samples were checked, no cracked caps found.',
      },
    });
    story.complete({ daysAgo: 45, time: '16:10' }, 'capa-complaint', {
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
    });
    story.complete({ daysAgo: 44, time: '10:00' }, 'capa-complaint', {
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
    });
    story.complete({ daysAgo: 34, time: '15:00' }, 'capa-complaint', { task: 'implement', by: 'emma.byrne', which: (t) => t.assignee === 'emma.byrne', data: (_t, day) => ({ done: 'SOP-FL-021 revised to version 6; 14 operators trained.', evidence: 'SOP-FL-021 v6, training record TR-2291', completedOn: day }) });
    story.complete({ daysAgo: 31, time: '12:30' }, 'capa-complaint', { task: 'implement', by: 'sean.gallagher', data: (_t, day) => ({ done: 'Recipe selection locked to the product code; validated under CC-1187.', evidence: 'CC-1187, validation report VR-0932', completedOn: day }) });

    // ---- CAPA, Basel: an improvement suggestion closed at triage with a justification ----
    story.start({ daysAgo: 21, time: '08:40' }, 'capa-suggestion', { process: 'capa', site: 'basel', by: 'nina.schmid' });
    story.complete({ daysAgo: 21, time: '09:00' }, 'capa-suggestion', {
      task: 'intake',
      by: 'nina.schmid',
      data: { source: 'improvement-suggestion', title: 'Colour-code the torque wrenches by calibration quarter', description: 'Suggests coloured rings on torque wrenches showing the calibration quarter, so an overdue tool is seen at a glance.' },
    });
    story.complete({ daysAgo: 19, time: '13:15' }, 'capa-suggestion', {
      task: 'triage',
      by: 'sabine.frei',
      data: { severity: '2', occurrence: '2', fullCapa: 'no', justification: 'Taken into the calibration procedure update (document change DC-0455); no nonconformity to correct, so no CAPA is needed.' },
    });

    // ---- the CAPA raised by the Dublin audit's major finding: triaged the next morning ----
    const findingCapa = story.take('internal-audit:finding-capa');
    if (findingCapa) {
      story.complete({ daysAgo: 39, time: '09:00' }, findingCapa, { task: 'triage', by: 'aoife.brennan', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'sean.gallagher' } });
    }

    // ---- the CAPA raised by Basel's supplier re-evaluation gap: triaged and contained ----
    const gapCapa = story.take('gap-analysis:gap-capa');
    if (gapCapa) {
      story.complete({ daysAgo: 38, time: '10:00' }, gapCapa, { task: 'triage', by: 'sabine.frei', data: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'marco.weber' } });
      story.complete({ daysAgo: 33, time: '14:00' }, gapCapa, {
        task: 'contain',
        by: 'marco.weber',
        data: { containment: 'The 4 implant-grade material suppliers were re-evaluated at once; all remain approved.', correction: 'Review dates added to the approved supplier list.' },
      });
    }
  },
};
