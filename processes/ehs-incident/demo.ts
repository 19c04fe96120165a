import type { DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The EHS chapter: at Dublin a near miss reported two days ago waits for triage; at Basel an incident with
 * a cut hand was triaged, made safe, investigated with a worker representative and decided on (first aid
 * only: neither OSHA 300 recordable nor RIDDOR reportable), closed without a CAPA.
 */
export const ehsIncidentDemo: DemoChapter = {
  play(story) {
    // the day it happened, as the reporter types it: days before the demo is seeded (start data are given, not made per day)
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
    const dublinStaff = story.person('staff', 'dublin');
    story.start({ daysAgo: 2, time: '14:05' }, 'ehs-near-miss', {
      process: 'ehs-incident',
      site: 'dublin',
      by: dublinStaff,
      variables: {
        kind: 'near-miss',
        title: 'Pallet nearly fell from rack 4 in the warehouse',
        description: 'A pallet of carton blanks slid half off the top level of rack 4 while a forklift passed; nobody was below it.',
        area: 'warehouse',
        occurredOn: daysAgo(2),
        occurredTime: 'about 13:45',
      },
    });

    const owner = story.person('process-owner', 'basel');
    const worker = story.person('staff', 'basel');
    story.start({ daysAgo: 20, time: '09:30' }, 'ehs-cut-hand', {
      process: 'ehs-incident',
      site: 'basel',
      by: worker,
      variables: { kind: 'incident', title: 'Cut finger on the blister press guard', description: 'A finger was cut on the sharp edge of the blister press guard during a format change.', area: 'production', occurredOn: daysAgo(20) },
    });
    story.complete({ daysAgo: 20, time: '11:00' }, 'ehs-cut-hand', { task: 'triage', by: owner, data: { severity: 'low', investigator: owner, workerRepresentative: worker } });
    story.complete({ daysAgo: 20, time: '15:00' }, 'ehs-cut-hand', { task: 'immediate', by: owner, data: { actions: 'First aid given; the guard edge taped; format changes paused until it is deburred.', madeSafe: true } });
    story.complete({ daysAgo: 14, time: '10:00' }, 'ehs-cut-hand', { task: 'workerView', by: worker, data: { view: 'The guard edge has been sharp since the press was moved; operators reach past it at every format change.', suggestions: 'Deburr the edge and add a change-part trolley at hand height.' } });
    story.complete({ daysAgo: 13, time: '16:00' }, 'ehs-cut-hand', {
      task: 'investigate',
      by: owner,
      data: { rootCause: 'The guard was not deburred after the press was moved; the move checklist has no step for it.', causeCategory: 'machine', workRelated: true, outcome: 'first-aid', capaNeeded: false },
    });
    story.complete({ daysAgo: 12, time: '09:00' }, 'ehs-cut-hand', { task: 'decide', by: owner, data: { decision: 'as-rules' } });
  },
};
