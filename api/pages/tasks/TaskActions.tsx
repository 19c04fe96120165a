/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Viewer } from '../basics.js';
import { CsrfField } from '../components/Form.js';
import { useReader } from '../reader.js';
import type { Person } from '../task-form/submit.js';
import { roleName } from '../task-form/words.js';
import type { Back, DelegateState, TaskView } from './view.js';

/**
 * Claim, release and delegate, as the person may; on the list and on the task page. Each button says which
 * task it acts on to a screen reader ("Claim “Review the inspection” for CAPA-2026-0004 · Leaking valve"),
 * as a list has many of them. Release and delegate fold away in a disclosure (a native <details>: keyboard
 * and screen readers know it).
 */
export function TaskActions({ view, viewer, people, back, delegate, mayDelegate }: { view: TaskView; viewer: Viewer; people: Person[]; back: Back; delegate?: DelegateState; mayDelegate: boolean }) {
  const reader = useReader();
  const { t } = reader;
  const { task } = view;
  const { user } = viewer;
  if (task.status !== 'open') return null;
  const about = (
    <span class="usa-sr-only vh"> {t('tasks.actions.about', { step: view.step, record: view.record.text })}</span>
  );
  const hidden = (
    <>
      <CsrfField token={viewer.csrf} />
      <input type="hidden" name="back" value={back} />
    </>
  );
  const mayClaim = !task.assignee && task.candidateRole && user.roles.includes(task.candidateRole);
  const mayRelease = task.assignee === user.id && task.candidateRole;
  if (!mayClaim && !mayRelease && !mayDelegate) return null;
  return (
    <div class="actions ims-task-actions">
      {mayClaim ? (
        <form method="post" action={`/tasks/${task.id}/claim`}>
          {hidden}
          <button type="submit" class="usa-button">
            {t('tasks.actions.claim')}
            {about}
          </button>
        </form>
      ) : null}
      {mayRelease ? (
        <details>
          <summary>
            {t('tasks.actions.releaseTo', { role: roleName(reader, task.candidateRole ?? '') })}
            {about}
          </summary>
          <form method="post" action={`/tasks/${task.id}/release`}>
            {hidden}
            <div class="usa-form-group field">
              <label class="usa-label" for={`release-${task.id}-reason`}>
                {t('tasks.actions.reasonOptional')}
              </label>
              <textarea class="usa-textarea" id={`release-${task.id}-reason`} name="reason" rows={2} maxLength={2000} />
            </div>
            <button type="submit" class="usa-button usa-button--outline secondary">
              {t('tasks.actions.release')}
              {about}
            </button>
          </form>
        </details>
      ) : null}
      {mayDelegate ? <Delegate view={view} viewer={viewer} people={people} hidden={hidden} about={about} delegate={delegate?.taskId === task.id ? delegate : undefined} /> : null}
    </div>
  );
}

function Delegate({ view, viewer, people, hidden, about, delegate }: { view: TaskView; viewer: Viewer; people: Person[]; hidden: preact.ComponentChildren; about: preact.ComponentChildren; delegate?: DelegateState }) {
  const { t } = useReader();
  const { task } = view;
  const id = `delegate-${task.id}`;
  const errorOf = (field: string) => delegate?.errors.find((x) => x.field === field)?.message;
  const aria = (field: string) => (errorOf(field) ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-${field}-error` } : {});
  const problem = (field: string) =>
    errorOf(field) ? (
      <span class="usa-error-message error" id={`${id}-${field}-error`}>
        {errorOf(field)}
      </span>
    ) : null;
  const choices = people.filter((p) => p.id !== viewer.user.id && p.id !== task.assignee);
  return (
    <details open={Boolean(delegate)}>
      <summary>
        {t('tasks.actions.delegate')}
        {about}
      </summary>
      <form method="post" action={`/tasks/${task.id}/delegate`}>
        {hidden}
        <div class={errorOf('to') ? 'usa-form-group usa-form-group--error field' : 'usa-form-group field'}>
          <label class="usa-label" for={`${id}-to`}>
            {t('tasks.actions.delegateTo')}
          </label>
          {problem('to')}
          <select class="usa-select" id={`${id}-to`} name="to" required {...aria('to')}>
            <option value="">{t('tasks.actions.choosePerson')}</option>
            {choices.map((p) => (
              <option key={p.id} value={p.id} selected={delegate?.values.to === p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class={errorOf('reason') ? 'usa-form-group usa-form-group--error field' : 'usa-form-group field'}>
          <label class="usa-label" for={`${id}-reason`}>
            {t('tasks.actions.reasonRequired')}
          </label>
          {problem('reason')}
          <textarea class="usa-textarea" id={`${id}-reason`} name="reason" rows={2} maxLength={2000} required {...aria('reason')} value={delegate?.values.reason ?? ''} />
        </div>
        <button type="submit" class="usa-button usa-button--outline secondary">
          {t('tasks.actions.delegate')}
          {about}
        </button>
      </form>
    </details>
  );
}
