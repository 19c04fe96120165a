/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { PendingJob } from '../../../engine/process-engine.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';

/**
 * "Waiting for": the timers, reminders, escalations and emails a record has scheduled, each as a sentence
 * on the reader's clock ("Reminder to Aoife Brennan about “Assess and contain”, 9 Dec 2026, 16:30").
 */
export function WaitingFor({ jobs, processKey, names, elementName }: { jobs: PendingJob[]; processKey: string; names: Map<string, string>; elementName: (id: string) => string | undefined }) {
  const reader = useReader();
  const { t, rich, translated } = reader;
  if (!jobs.length) return null;
  const step = (job: PendingJob) => {
    if (!job.elementId) return '';
    const authored = job.taskName ?? elementName(job.elementId) ?? t('records.waiting.unnamed');
    return translated(`${processKey}.${job.elementId}.name`, authored);
  };
  const person = (job: PendingJob) =>
    job.assignee ? (names.get(job.assignee) ?? t('records.waiting.someone')) : job.candidateRole ? t('values.role', { role: job.candidateRole.replace(/[^A-Za-z0-9]+/g, '_'), label: job.candidateRole }) : t('records.waiting.someone');
  const sentence = (job: PendingJob) => {
    const when = <When iso={job.dueAt} />;
    switch (job.kind) {
      case 'timer':
        return rich('records.waiting.timer', { step: step(job), when });
      case 'escalation':
        return rich('records.waiting.escalation', { step: step(job), level: job.level ?? 1, when });
      case 'email':
        return job.elementId ? rich('records.waiting.email', { step: step(job), when }) : rich('records.waiting.emailPlain', { when });
      default:
        return rich(`records.waiting.${job.kind}`, { person: person(job), step: step(job), when });
    }
  };
  return (
    <section aria-labelledby="waiting-for">
      <h2 id="waiting-for">{t('records.waiting.heading')}</h2>
      <ul>
        {jobs.map((job, i) => (
          <li key={i}>{sentence(job)}</li>
        ))}
      </ul>
    </section>
  );
}
