import { addDuration } from '../../kernel/durations.js';
import type { ChangeNoticeKind, DraftRecord, JobRecord } from '../../kernel/model.js';

/**
 * The notices a change-control step asks for, as `notify` jobs committed with the step (the path task
 * notices take): the notifications feature turns each into outbox messages when it runs. The draft's
 * revision keeps the jobs of a resubmitted change apart, and tells a reminder its review is over.
 */
export function changeNoticeJob(draft: DraftRecord, notice: ChangeNoticeKind, runAt: Date, extra: Record<string, unknown> = {}): JobRecord {
  return {
    id: `notify-draft-${draft.id}-${notice}-r${draft.revision}-${runAt.getTime()}`,
    kind: 'notify',
    runAt: runAt.toISOString(),
    status: 'scheduled',
    payload: { draftId: draft.id, notice, revision: draft.revision, ...extra },
    attempts: 0,
  };
}

/** A submitted change: its reviewers are told now, and reminded every `remindEvery` while it is unsigned. */
export function reviewJobs(submitted: DraftRecord, now: Date, remindEvery: string | undefined): JobRecord[] {
  const jobs = [changeNoticeJob(submitted, 'review-requested', now)];
  if (remindEvery) jobs.push(changeNoticeJob(submitted, 'review-reminder', addDuration(remindEvery, now), { every: remindEvery }));
  return jobs;
}

/** A reviewed change: its author is told the outcome; an approved one awaits its publishers. */
export function outcomeJobs(reviewed: DraftRecord, now: Date): JobRecord[] {
  if (reviewed.status === 'approved') return [changeNoticeJob(reviewed, 'change-approved', now), changeNoticeJob(reviewed, 'change-to-publish', now)];
  return [changeNoticeJob(reviewed, 'change-rejected', now)];
}
