import { addDays, clauseOf, type DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The internal audit's piece of the demo: the Dublin audit of sterile filling and packaging, which the audit
 * programme started, planned, conducted (a major and a minor nonconformity, each raising a CAPA), reported
 * and its report accepted.
 */
export const internalAuditDemo: DemoChapter = {
  after: ['audit-programme'],
  play(story) {
    const audit = story.take('audit-programme:dublin-audit');
    if (!audit) return;
    story.complete({ daysAgo: 44, time: '08:30' }, audit, {
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
    });
    story.complete({ daysAgo: 42, time: '17:30' }, audit, {
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
    });
    story.complete({ daysAgo: 41, time: '15:00' }, audit, { task: 'report', by: 'henrik.larsen', data: { summary: 'Filling and packaging at Dublin are well run; document control at the line and one work instruction need correction.', conclusion: 'conforms-with-findings', strengths: 'Environmental monitoring trending is exemplary.' } });
    story.complete({ daysAgo: 40, time: '10:00' }, audit, { task: 'reviewReport', by: 'aoife.brennan', data: { decision: 'accept', comments: 'Findings agreed with the area owner.' } });
    // the CAPA the major finding raised, for the CAPA chapter to work on
    story.leave('internal-audit:finding-capa', `${audit}/1`);
  },
};
