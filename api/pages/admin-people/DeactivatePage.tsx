/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Deactivation } from '../../../engine/features/people/index.js';
import { When } from '../components/Time.js';
import { roleName } from './words.js';
import type { TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { CsrfField, describedBy, ErrorSummary, Field } from '../components/Form.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';

/** A deactivation as the audit trail keeps it. */
export interface DeactivationRecord {
  at: string;
  by: string;
  reason: string;
  tasks: Deactivation['tasks'];
}

/**
 * The confirmation before deactivating a person: what will happen (sessions, tokens, links end; open tasks
 * handed over) and why (required). After it, the same page says where each open task went.
 */
export function DeactivatePage({ viewer, person, manager, openTasks, missingReason, done, names }: { viewer: Viewer; person: UserRecord; manager?: UserRecord; openTasks: TaskRecord[]; missingReason: boolean; done?: DeactivationRecord; names?: Map<string, string> }) {
  const reader = useReader();
  const { t } = reader;
  const path = `/admin/people/${encodeURIComponent(person.id)}`;
  if (done) {
    return (
      <Shell title={t('adminPeople.deactivated.title', { name: person.name })} viewer={viewer}>
        <div class="usa-alert usa-alert--success notice good" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">
              <When iso={done.at} /> {t('adminPeople.deactivated.summary', { by: names?.get(done.by) ?? '', reason: done.reason })}
            </p>
          </div>
        </div>
        <h2>{t('adminPeople.deactivated.tasks', { count: done.tasks.length })}</h2>
        {done.tasks.length ? (
          <ul class="usa-list">
            {done.tasks.map((task) => (
              <li key={task.id}>
                {t(`adminPeople.handover.${task.handover}`, { key: task.businessKey, name: task.name, person: task.to.assignee ? (names?.get(task.to.assignee) ?? '') : '', role: task.to.candidateRole ? roleName(reader, task.to.candidateRole) : '' })}
              </li>
            ))}
          </ul>
        ) : null}
        <p>
          <a href={path}>{t('adminPeople.backTo', { name: person.name })}</a>
        </p>
      </Shell>
    );
  }
  return (
    <Shell title={t('adminPeople.deactivate.title', { name: person.name })} viewer={viewer}>
      <ErrorSummary heading={t('adminPeople.notSaved')} problems={missingReason ? [{ id: 'deactivate-reason', message: t('adminPeople.error.reason') }] : []} />
      <p>{t('adminPeople.deactivate.consequences')}</p>
      <ul class="usa-list">
        <li>{t('adminPeople.deactivate.sessions')}</li>
        <li>{t('adminPeople.deactivate.tokens')}</li>
        <li>{t('adminPeople.deactivate.links')}</li>
        <li>{manager?.active ? t('adminPeople.deactivate.tasksToManager', { count: openTasks.length, manager: manager.name }) : t('adminPeople.deactivate.tasksEscalated', { count: openTasks.length })}</li>
      </ul>
      <form class="usa-form usa-form--large" method="post" action={`${path}/deactivate`}>
        <CsrfField token={viewer.csrf} />
        <Field id="deactivate-reason" label={t('adminPeople.field.reason')} hint={t('adminPeople.deactivate.reasonHint')} error={missingReason ? t('adminPeople.error.reason') : undefined}>
          <textarea class="usa-textarea" id="deactivate-reason" name="reason" rows={3} required {...describedBy('deactivate-reason', { hint: true, error: missingReason })}></textarea>
        </Field>
        <ul class="usa-button-group margin-top-3">
          <li class="usa-button-group__item">
            <button type="submit" class="usa-button usa-button--secondary">
              {t('adminPeople.deactivate.confirm', { name: person.name })}
            </button>
          </li>
          <li class="usa-button-group__item">
            <a class="usa-button usa-button--outline" href={path}>
              {t('adminPeople.cancel')}
            </a>
          </li>
        </ul>
      </form>
    </Shell>
  );
}
