import { clauseOf, type DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The gap analysis's piece of the demo: Basel's analysis of documented information and external providers
 * (ISO 9001 and 45001), signed off with one gap still being closed and a systemic gap handled as a CAPA.
 */
export const gapAnalysisDemo: DemoChapter = {
  play(story) {
    story.start({ daysAgo: 47, time: '08:00' }, 'gap-basel', { process: 'gap-analysis', site: 'basel', by: 'sabine.frei', variables: { title: 'Basel 2026 gap analysis: documented information and external providers' } });
    story.complete({ daysAgo: 47, time: '08:30' }, 'gap-basel', {
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
    });
    story.complete({ daysAgo: 40, time: '17:00' }, 'gap-basel', {
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
    });
    story.complete({ daysAgo: 36, time: '11:00' }, 'gap-basel', { task: 'signOff', by: 'sabine.frei', data: { conclusion: 'Documented information conforms except the retention of OH&S records; supplier re-evaluation is missing and is handled as a CAPA.', accepted: true } });
    story.complete({ daysAgo: 20, time: '09:45' }, 'gap-basel', { task: 'closeGap', by: 'lukas.keller', which: (t) => t.assignee === 'lukas.keller', data: (_t, day) => ({ done: 'OH&S records added to retention schedule QM-017 (version 9).', evidenceRef: 'QM-017 v9', completedOn: day }) });
    // the CAPA raised for the supplier re-evaluation gap, for the CAPA chapter to work on
    story.leave('gap-analysis:gap-capa', 'gap-basel/1');
  },
};
