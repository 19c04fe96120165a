import type { DemoChapter } from '../../engine/features/demo/index.js';
import type { TaskRecord } from '../../engine/pack-kit.js';

/** The function an impact assessment task is for (its iteration's item). */
const forFunction = (key: string) => (task: TaskRecord) => (task.iteration?.item as { function?: unknown } | undefined)?.function === key;

/**
 * The change request's piece of the demo: Dublin's crimper recipe change (the HMI change the crimp cap
 * CAPA asked for), approved and implemented, waiting out its effectiveness period; and Basel's new parts
 * washer detergent, assessed by quality and EHS, waiting for the quality manager's signed approval.
 */
export const changeRequestDemo: DemoChapter = {
  play(story) {
    // ---- Dublin: the crimper recipe change, implemented; its effectiveness check lies ahead ----
    story.start({ daysAgo: 43, time: '11:00' }, 'cr-crimper', {
      process: 'change-request',
      site: 'dublin',
      by: 'ciaran.doyle',
      variables: {
        kind: 'equipment',
        title: 'Tie the crimper recipes to the product code',
        description: 'The crimper HMI offers every recipe in a free list at line set-up; the change loads the recipe from the product code of the batch instead.',
        reason: 'Cracked crimp caps on batch DB-24077: the recipe of a larger vial format was selected by hand.',
        product: 'Ceftriaxone 1 g powder for injection',
        reference: 'Crimper CR-02, filling line 2',
        owner: 'ciaran.doyle',
      },
    });
    story.complete({ daysAgo: 42, time: '09:30' }, 'cr-crimper', { task: 'screen', by: 'aoife.brennan', data: { changeClass: 'major', regulatory: true, validation: true } });
    story.complete({ daysAgo: 41, time: '14:00' }, 'cr-crimper', {
      task: 'assess',
      by: 'aoife.brennan',
      which: forFunction('quality'),
      data: { impact: 'minor', assessment: 'Removes a manual choice; the crimp force specification is unchanged.', conditions: 'Crimp force check of the first 20 vials after the change.' },
    });
    story.complete({ daysAgo: 41, time: '15:10' }, 'cr-crimper', {
      task: 'assess',
      by: 'aoife.brennan',
      which: forFunction('regulatory'),
      data: { impact: 'none', assessment: 'No registered process parameter changes; no variation needed.' },
    });
    story.complete({ daysAgo: 40, time: '10:20' }, 'cr-crimper', {
      task: 'assess',
      by: 'ciaran.doyle',
      which: forFunction('validation'),
      data: { impact: 'major', assessment: 'The HMI software changes: GAMP category 4 configuration, needs an OQ of the recipe selection.', conditions: 'OQ protocol approved before go-live.' },
    });
    story.complete({ daysAgo: 39, time: '16:00' }, 'cr-crimper', {
      task: 'approve',
      by: 'aoife.brennan',
      data: { decision: 'approve', rationale: 'Removes the cause of the cracked caps; validation planned.', conditions: 'OQ passed before the first production batch.' },
    });
    story.complete({ daysAgo: 38, time: '10:00' }, 'cr-crimper', {
      task: 'plan',
      by: 'ciaran.doyle',
      data: {
        action1: 'Configure the recipe selection from the product code in the crimper HMI',
        action1Owner: 'sean.gallagher',
        action2: 'Run and report the OQ of the recipe selection',
        action2Owner: 'ciaran.doyle',
        effectivenessWait: 'P60D',
        effectivenessCriteria: 'No recipe chosen by hand and no cracked caps in 60 days of production.',
      },
    });
    story.complete({ daysAgo: 33, time: '15:30' }, 'cr-crimper', { task: 'implement', by: 'sean.gallagher', which: (t) => t.assignee === 'sean.gallagher', data: (_t, day) => ({ done: 'Recipe selection configured; the free list removed.', evidence: 'Work order WO-5512', completedOn: day }) });
    story.complete({ daysAgo: 31, time: '12:00' }, 'cr-crimper', { task: 'implement', by: 'ciaran.doyle', data: (_t, day) => ({ done: 'OQ run: 30 of 30 selections correct.', evidence: 'OQ report VR-0932', completedOn: day }) });

    // ---- Basel: a new parts washer detergent, assessed, waiting for approval ----
    story.start({ daysAgo: 9, time: '08:30' }, 'cr-detergent', {
      process: 'change-request',
      site: 'basel',
      by: 'lukas.keller',
      variables: {
        kind: 'process',
        title: 'New detergent for the parts washer',
        description: 'Replace the alkaline detergent of the parts washer with a neutral, phosphate-free one.',
        reason: 'The supplier discontinues the current detergent at the end of the year.',
        reference: 'Parts washer PW-1',
        owner: 'lukas.keller',
      },
    });
    story.complete({ daysAgo: 8, time: '10:00' }, 'cr-detergent', { task: 'screen', by: 'sabine.frei', data: { changeClass: 'major', ehs: true } });
    story.complete({ daysAgo: 6, time: '11:45' }, 'cr-detergent', {
      task: 'assess',
      by: 'sabine.frei',
      which: forFunction('quality'),
      data: { impact: 'major', assessment: 'Cleaning validation of the washed parts must be repeated.', conditions: 'Three cleaning validation runs with residue limits met.' },
    });
    story.complete({ daysAgo: 5, time: '14:20' }, 'cr-detergent', {
      task: 'assess',
      by: 'lukas.keller',
      which: forFunction('ehs'),
      data: { impact: 'minor', assessment: 'Less hazardous than the current detergent; safety data sheet and waste water permit checked.', conditions: 'Update the chemical register and the operators’ instruction.' },
    });
  },
};
