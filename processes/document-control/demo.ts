import { PDFDocument, StandardFonts } from 'pdf-lib';
import { addDays, type DemoChapter, type DemoFile, type DemoStory } from '../../engine/features/demo/index.js';

/**
 * Document control's piece of the demo:
 * - Dublin's SOP-QA-0001 "Cleaning and disinfection of the aseptic filling line": written by the QC
 *   microbiologist, reviewed by quality and operations, approved with a signature about two months ago,
 *   read and understood by the filling line supervisor (the microbiologist's own acknowledgement is overdue),
 *   effective since; its revision 2.0 (a sporicidal agent in the rotation) is in review now, the process
 *   owner's review done, the quality manager's open;
 * - Basel's SOP-EH-0001 on grinding dust, effective for almost two years: its periodic review falls due
 *   in about five weeks;
 * - Basel's WI-PR-0001 on passivating titanium components: approved, waiting for its effective date next
 *   week, its read-and-understood tasks open.
 * The files are small PDFs made here.
 */

/** A one-page PDF of a controlled document: its number, title, revision and a few lines of content. */
export async function documentPdf(number: string, title: string, revision: string, lines: string[]): Promise<DemoFile> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`${number} ${title}`);
  pdf.setCreator('imsflow demo');
  const page = pdf.addPage([595, 842]);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  page.drawText(number, { x: 56, y: 770, size: 11, font: bold });
  page.drawText(title, { x: 56, y: 748, size: 15, font: bold, maxWidth: 480 });
  page.drawText(`Revision ${revision}`, { x: 56, y: 722, size: 10, font });
  lines.forEach((line, i) => page.drawText(line, { x: 56, y: 680 - i * 18, size: 10, font, maxWidth: 480 }));
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { name: `${number}-${slug}-${revision}.pdf`, contentType: 'application/pdf', bytes: await pdf.save({ useObjectStreams: false }) };
}

const FILLING_LINE = 'Cleaning and disinfection of the aseptic filling line';

/** A document's first version through draft, parallel review, signed approval and training, told from `start` days ago. */
function firstVersion(
  story: DemoStory,
  record: string,
  plan: {
    start: number;
    site: string;
    by: string;
    owner: string;
    approver: string;
    reviewers: Record<string, string>;
    /** Days from the approval to the effective date. */
    effectiveIn: number;
    variables: Record<string, unknown>;
    file: () => Promise<DemoFile>;
  },
): void {
  const day = (n: number) => plan.start - n;
  story.start({ daysAgo: day(0), time: '08:30' }, record, {
    process: 'document-control',
    site: plan.site,
    by: plan.by,
    variables: { revisionKind: 'major', sites: plan.site, owner: plan.owner, reviewerRoles: Object.keys(plan.reviewers).join(', '), trainingRoles: 'staff', ...plan.variables },
  });
  story.complete({ daysAgo: day(1), time: '15:00' }, record, { task: 'draft', by: plan.owner, data: { notes: 'First issue, ready for review.' }, files: { file: plan.file } });
  Object.entries(plan.reviewers).forEach(([role, by], i) => {
    story.complete({ daysAgo: day(3), time: `${10 + i}:00` }, record, { task: 'review', by, which: (t) => t.candidateRole === role, data: { decision: 'approve', comment: 'Clear and complete; agreed.' } });
  });
  story.complete({ daysAgo: day(4), time: '09:30' }, record, { task: 'approve', by: plan.approver, data: (_t, today) => ({ effectiveDate: addDays(today, plan.effectiveIn), comment: 'Approved for use.' }) });
}

export const documentControlDemo: DemoChapter = {
  play(story) {
    const dublinQm = story.person('quality-manager', 'dublin');
    const dublinPo = story.person('process-owner', 'dublin');
    const microbiologist = story.person('staff', 'dublin', 2);
    const supervisor = story.person('staff', 'dublin', 1);
    const baselQm = story.person('quality-manager', 'basel');
    const baselPo = story.person('process-owner', 'basel');
    const engineer = story.person('staff', 'basel', 1);
    const inspector = story.person('staff', 'basel', 2);

    // ---- Basel, two years ago: SOP-EH-0001, effective since; its periodic review (P2Y) falls due in about five weeks ----
    firstVersion(story, 'sop-eh', {
      start: 700,
      site: 'basel',
      by: baselPo,
      owner: baselPo,
      approver: baselQm,
      reviewers: { 'quality-manager': baselQm },
      effectiveIn: 4,
      variables: {
        title: 'Handling and disposal of cobalt-chrome grinding dust',
        type: 'sop',
        area: 'EH',
        changeSummary: 'First issue.',
        reason: 'Occupational exposure assessment OEA-2024-07 asked for a written procedure.',
      },
      file: () => documentPdf('SOP-EH-0001', 'Handling and disposal of cobalt-chrome grinding dust', '1.0', ['1 Purpose: keep exposure to cobalt-chrome dust below the limit.', '2 Wet-wipe the grinding cells at every shift change.', '3 Collect the dust in sealed, labelled containers for hazardous waste.']),
    });
    // the training records are started in the order of the people's ids: `<record>/<n>` is the n-th of them
    const basel = [engineer, inspector].sort();
    const trainingOf = (record: string, people: string[], person: string) => `${record}/${people.indexOf(person) + 1}`;
    story.complete({ daysAgo: 694, time: '11:00' }, trainingOf('sop-eh', basel, engineer), { task: 'acknowledge', by: engineer, data: { understood: true } });
    story.complete({ daysAgo: 693, time: '14:30' }, trainingOf('sop-eh', basel, inspector), { task: 'acknowledge', by: inspector, data: { understood: true } });

    // ---- Dublin, two months ago: SOP-QA-0001 revision 1.0, effective about seven weeks ago ----
    firstVersion(story, 'sop-qa', {
      start: 58,
      site: 'dublin',
      by: dublinQm,
      owner: microbiologist,
      approver: dublinQm,
      reviewers: { 'quality-manager': dublinQm, 'process-owner': dublinPo },
      effectiveIn: 7,
      variables: {
        title: FILLING_LINE,
        type: 'sop',
        area: 'QA',
        changeSummary: 'First issue: replaces the cleaning section of the line\'s operating manual.',
        reason: 'EU GMP Annex 1 (2022) asks for a written cleaning and disinfection programme with a rotation of agents.',
        processes: 'nonconformity, capa',
      },
      file: () =>
        documentPdf('SOP-QA-0001', FILLING_LINE, '1.0', [
          '1 Scope: the aseptic filling line of building B, grade A and B areas.',
          '2 Clean with a neutral detergent, then disinfect with 70 % IPA, contact time 5 minutes.',
          '3 Record every cleaning in the line logbook; QC samples surfaces weekly.',
        ]),
    });
    // read and understood by the supervisor; the microbiologist's own acknowledgement is overdue
    story.complete({ daysAgo: 50, time: '09:15' }, trainingOf('sop-qa', [microbiologist, supervisor].sort(), supervisor), { task: 'acknowledge', by: supervisor, data: { understood: true } });

    // ---- Dublin, now: SOP-QA-0001 revision 2.0 in review (the process owner agreed, the quality manager has it) ----
    story.start({ daysAgo: 9, time: '10:00' }, 'sop-qa-2', {
      process: 'document-control',
      site: 'dublin',
      by: dublinQm,
      variables: {
        title: FILLING_LINE,
        type: 'sop',
        area: 'QA',
        revises: 'SOP-QA-0001',
        revisionKind: 'major',
        sites: 'dublin',
        owner: microbiologist,
        reviewerRoles: 'quality-manager, process-owner',
        trainingRoles: 'staff',
        changeSummary: 'A sporicidal agent (hydrogen peroxide and peracetic acid) added to the rotation, used weekly and after every shutdown.',
        reason: 'Environmental monitoring found Bacillus spores in grade B twice in a quarter; IPA does not kill spores.',
      },
    });
    story.complete({ daysAgo: 8, time: '16:00' }, 'sop-qa-2', {
      task: 'draft',
      by: microbiologist,
      data: { notes: 'Section 2 rewritten; the rotation table is new.' },
      files: {
        file: () =>
          documentPdf('SOP-QA-0001', FILLING_LINE, '2.0', [
            '1 Scope: the aseptic filling line of building B, grade A and B areas.',
            '2 Rotation: 70 % IPA daily; hydrogen peroxide and peracetic acid weekly and after every shutdown.',
            '3 Record every cleaning in the line logbook; QC samples surfaces weekly, for spores monthly.',
          ]),
      },
    });
    story.complete({ daysAgo: 3, time: '11:30' }, 'sop-qa-2', { task: 'review', by: dublinPo, which: (t) => t.candidateRole === 'process-owner', data: { decision: 'approve', comment: 'Shutdown cleaning fits the maintenance plan.' } });

    // ---- Basel, now: WI-PR-0001 approved, effective next week; the staff are reading it ----
    firstVersion(story, 'wi-pr', {
      start: 16,
      site: 'basel',
      by: baselPo,
      owner: engineer,
      approver: baselQm,
      reviewers: { 'quality-manager': baselQm, 'process-owner': baselPo },
      effectiveIn: 19,
      variables: {
        title: 'Passivation of titanium implant components',
        type: 'work-instruction',
        area: 'PR',
        changeSummary: 'First issue.',
        reason: 'The passivation line moves from the supplier to Basel (ASTM F86).',
      },
      file: () =>
        documentPdf('WI-PR-0001', 'Passivation of titanium implant components', '1.0', [
          '1 Degrease in alkaline cleaner at 60 °C for 10 minutes; rinse with purified water.',
          '2 Passivate in 20 % nitric acid for 30 minutes at room temperature.',
          '3 Rinse, dry, and check a sample of each batch with the copper sulphate test.',
        ]),
    });
    story.complete({ daysAgo: 2, time: '10:45' }, trainingOf('wi-pr', basel, inspector), { task: 'acknowledge', by: inspector, data: { understood: true } });
  },
};
