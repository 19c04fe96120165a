/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { CsrfField, Field } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { Day } from '../components/Time.js';
import { useReader } from '../reader.js';
import { PersonForm, type FormRefusal, type PersonValues } from './PersonForm.js';
import { rolesText, sitesText } from './words.js';

export interface PersonPageProps {
  viewer: Viewer;
  /** Absent: the new-person page. */
  person?: UserRecord;
  manager?: UserRecord;
  openTasks: TaskRecord[];
  values: PersonValues;
  refusal: FormRefusal;
  roles: readonly string[];
  managers: UserRecord[];
  /** A message id of what just happened (saved, deactivated, reactivated, created). */
  done?: string;
}

/**
 * A person's page for their administrator: who they are, the open tasks they hold, the form to change
 * them, and deactivation (on its own confirmation page) or reactivation (with a reason).
 */
export function PersonPage({ viewer, person, manager, openTasks, values, refusal, roles, managers, done }: PersonPageProps) {
  const reader = useReader();
  const { t } = reader;
  if (!person) {
    return (
      <Shell title={t('adminPeople.new.title')} viewer={viewer}>
        <p>
          <a href="/admin/people">{t('adminPeople.back')}</a>
        </p>
        <p class="usa-hint">{t('adminPeople.new.hint')}</p>
        <PersonForm action="/admin/people/new" csrf={viewer.csrf} values={values} refusal={refusal} roles={roles} managers={managers} editing={false} />
      </Shell>
    );
  }
  const path = `/admin/people/${encodeURIComponent(person.id)}`;
  return (
    <Shell title={person.name} viewer={viewer}>
      {done ? (
        <Notice kind="status">
          <p>{t(done, { name: person.name })}</p>
        </Notice>
      ) : null}
      <p>
        <a href="/admin/people">{t('adminPeople.back')}</a>
      </p>
      {!person.active ? (
        <Notice kind="status" tone="warning">
          <p>{t('adminPeople.inactiveNote')}</p>
        </Notice>
      ) : null}
      <dl class="ims-facts">
        <dt>{t('adminPeople.field.email')}</dt>
        <dd>{person.email}</dd>
        <dt>{t('adminPeople.field.roles')}</dt>
        <dd>{rolesText(reader, person.roles)}</dd>
        <dt>{t('adminPeople.field.sites')}</dt>
        <dd>{sitesText(reader, person)}</dd>
        <dt>{t('adminPeople.field.manager')}</dt>
        <dd>{manager ? <a href={`/admin/people/${encodeURIComponent(manager.id)}`}>{manager.name}</a> : t('adminPeople.none')}</dd>
        <dt>{t('adminPeople.column.status')}</dt>
        <dd>{person.active ? t('adminPeople.status.active') : t('adminPeople.status.inactive')}</dd>
        <dt>{t('adminPeople.since')}</dt>
        <dd>
          <Day iso={person.createdAt} />
        </dd>
      </dl>
      <h2>{t('adminPeople.openTasks', { count: openTasks.length })}</h2>
      {openTasks.length ? (
        <ul class="usa-list">
          {openTasks.map((task) => (
            <li key={task.id}>
              <a href={`/tasks/${encodeURIComponent(task.id)}`}>{t('adminPeople.taskLine', { key: task.businessKey, name: task.name })}</a>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('adminPeople.noOpenTasks')}</p>
      )}
      <h2>{t('adminPeople.edit')}</h2>
      <PersonForm action={path} csrf={viewer.csrf} values={values} refusal={refusal} roles={roles} managers={managers.filter((m) => m.id !== person.id)} editing />
      <h2>{person.active ? t('adminPeople.deactivate.heading') : t('adminPeople.reactivate.heading')}</h2>
      {person.active ? (
        person.id === viewer.user.id ? (
          <p>{t('adminPeople.deactivate.notYourself')}</p>
        ) : (
          <>
            <p>{t('adminPeople.deactivate.intro')}</p>
            <a class="usa-button usa-button--secondary" href={`${path}/deactivate`}>
              {t('adminPeople.deactivate.start')}
            </a>
          </>
        )
      ) : (
        <form class="usa-form usa-form--large" method="post" action={`${path}/reactivate`}>
          <CsrfField token={viewer.csrf} />
          <p>{t('adminPeople.reactivate.intro')}</p>
          <Field id="reactivate-reason" label={t('adminPeople.field.reason')}>
            <textarea class="usa-textarea" id="reactivate-reason" name="reason" rows={2} required></textarea>
          </Field>
          <button type="submit" class="usa-button margin-top-3">
            {t('adminPeople.reactivate.submit')}
          </button>
        </form>
      )}
    </Shell>
  );
}
