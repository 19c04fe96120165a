import { addDays, type DemoChapter } from '../../engine/features/demo/index.js';

/**
 * The audit programme's piece of the demo: this year's programme, planned and approved two months ago. It
 * started the Dublin audit (done, its story told by the internal-audit chapter) and the Basel audit, which
 * still waits for its date. Next year's programme is planned each December.
 */
export const auditProgrammeDemo: DemoChapter = {
  play(story) {
    story.start({ daysAgo: 59, time: '08:00' }, 'programme', { process: 'audit-programme', site: 'dublin', by: 'aoife.brennan', variables: { title: 'Dublin internal audit programme' } });
    story.complete({ daysAgo: 59, time: '09:00' }, 'programme', {
      task: 'planProgramme',
      by: 'aoife.brennan',
      data: (_t, day) => ({
        year: Number(day.slice(0, 4)),
        criteriaNote: 'Sterile filling first (two complaints this year and a new crimper), supplier control at Basel after last year’s findings; every process of both sites is covered within three years.',
        audit1Area: 'Sterile filling and packaging',
        audit1Site: 'dublin',
        audit1Date: addDays(day, 15),
        audit1Lead: 'henrik.larsen',
        audit2Area: 'Purchasing and incoming inspection',
        audit2Site: 'basel',
        audit2Date: addDays(day, 75),
        audit2Lead: 'henrik.larsen',
      }),
    });
    story.complete({ daysAgo: 57, time: '16:00' }, 'programme', { task: 'approveProgramme', by: 'siobhan.walsh', data: { comments: 'Approved; the Basel audit to include the supplier re-evaluation.' } });
    // the programme's first audit (Dublin), for the internal-audit chapter to carry out
    story.leave('audit-programme:dublin-audit', 'programme/1');

    // the calendar: next year's programme (both plants) planned each December; made last, so it lies ahead
    story.act('now', (imsflow) => imsflow.saveSchedule({ id: 'audit-programme', processKey: 'audit-programme', cron: '0 6 1 12 *', timezone: 'Europe/Dublin' }, story.seeder));
  },
};
