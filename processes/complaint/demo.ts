import { addDays, type DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The complaint's piece of the demo: Dublin's stuck syringe plunger on the US and EU markets, its EU
 * vigilance report filed and the FDA report still open while the investigation runs; Basel's smudged
 * carton label, not reportable, investigated, answered and closed with the quality manager's signature.
 */
export const complaintDemo: DemoChapter = {
  play(story) {
    // ---- Dublin: a malfunction on both markets, two reports with clocks from the awareness date ----
    story.start({ daysAgo: 6, time: '09:10' }, 'complaint-syringe', {
      process: 'complaint',
      site: 'dublin',
      by: 'ciaran.doyle',
      variables: (day) => ({
        title: 'Plunger stuck on prefilled syringe',
        product: 'Enoxaparin 40 mg prefilled syringe',
        lot: 'DB-24102',
        customer: 'Beaumont Hospital pharmacy, Dublin',
        description: 'A nurse could not depress the plunger of one syringe; a second syringe from the same box was used. The stuck syringe was kept for return.',
        awarenessDate: addDays(day, -1),
        eventDetails: 'The dose was given eight minutes late with another syringe; no harm to the patient.',
      }),
    });
    story.complete({ daysAgo: 5, time: '11:30' }, 'complaint-syringe', {
      task: 'assess',
      by: 'aoife.brennan',
      data: { harm: 'none', malfunction: true, soldInUs: true, soldInEu: true, rationale: 'A stuck plunger could delay an urgent dose if it recurred: a reportable malfunction in the US and the EU.', investigator: 'emma.byrne' },
    });
    story.complete({ daysAgo: 2, time: '15:00' }, 'complaint-syringe', {
      task: 'fileReport',
      by: 'aoife.brennan',
      data: (_task, day) => ({ reference: 'HPRA-VIG-2026-1187', filedOn: day }),
    });

    // ---- Basel: not reportable, investigated, answered and closed ----
    story.start({ daysAgo: 20, time: '08:45' }, 'complaint-label', {
      process: 'complaint',
      site: 'basel',
      by: 'lukas.keller',
      variables: (day) => ({
        title: 'Carton label smudged, lot hard to read',
        product: 'Ceftriaxone 1 g powder for injection',
        lot: 'BS-8841',
        customer: 'Kantonsspital Aarau',
        description: 'The lot number and expiry date on three cartons were smudged; the vial labels were legible.',
        awarenessDate: day,
      }),
    });
    story.complete({ daysAgo: 19, time: '10:00' }, 'complaint-label', {
      task: 'assess',
      by: 'sabine.frei',
      data: { harm: 'none', soldInEu: true, rationale: 'Cosmetic: the vial labels carry lot and expiry; no risk to a patient.', investigator: 'marco.weber' },
    });
    story.complete({ daysAgo: 12, time: '14:20' }, 'complaint-label', {
      task: 'investigate',
      by: 'marco.weber',
      data: { findings: 'Retained cartons of BS-8841 show the same smudge on 2 % of cartons.', rootCause: 'The ink of the carton printer was not given its drying time after a changeover.', causeCategory: 'method' },
    });
    story.complete({ daysAgo: 10, time: '09:30' }, 'complaint-label', {
      task: 'respond',
      by: 'sabine.frei',
      data: (_task, day) => ({ response: 'Thanked the pharmacy; the cause was found and the printer changeover instruction corrected.', respondedOn: day }),
    });
    story.complete({ daysAgo: 9, time: '16:00' }, 'complaint-label', {
      task: 'close',
      by: 'sabine.frei',
      data: { summary: 'Not reportable; cause found and corrected in the changeover instruction; customer answered.' },
    });
  },
};
