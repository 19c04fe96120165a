/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ExtensionRequest, TaskRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { CsrfField } from '../components/Form.js';
import { When } from '../components/Time.js';
import { described, Group } from '../task-form/TaskForm.js';
import { useReader } from '../reader.js';
import type { ExtensionState } from './view.js';

/**
 * Due-date extensions of a task: the requests (who asked, when, from → to, why, the decision), the
 * holder's form to ask for more time, and an approver's form to decide a pending request. Dates are on the
 * reader's clock; a day typed as the new due date is due when that day ends there.
 */
export interface ExtensionsView {
  task: TaskRecord;
  step: string;
  viewer: Viewer;
  names: Map<string, string>;
  mayAsk: boolean;
  /** The viewer may decide the pending request (and did not ask for it). */
  approver: boolean;
  /** The earliest day the date input offers (YYYY-MM-DD, the reader's calendar). */
  minDay?: string;
  state?: ExtensionState;
}

function Name({ names, id }: { names: Map<string, string>; id: string | undefined }) {
  const { t } = useReader();
  return <>{id ? (names.get(id) ?? t('tasks.unknownPerson')) : ''}</>;
}

function Decision({ request, task, names }: { request: ExtensionRequest; task: TaskRecord; names: Map<string, string> }) {
  const { t, rich } = useReader();
  if (request.status === 'pending') {
    return (
      <>
        <span class="usa-tag ims-tag--pending badge pending">{t('tasks.extensions.pending')}</span> {task.status === 'open' ? t('tasks.extensions.waiting') : t('tasks.extensions.notDecided')}
      </>
    );
  }
  const approved = request.status === 'approved';
  return (
    <>
      <span class={`usa-tag ${approved ? 'ims-tag--approved badge approved' : 'ims-tag--rejected badge rejected'}`}>{approved ? t('tasks.extensions.approved') : t('tasks.extensions.rejected')}</span>{' '}
      {rich('tasks.extensions.decidedBy', { name: <Name names={names} id={request.decidedBy} />, when: <When iso={request.decidedAt} /> })}
      {request.decisionReason ? (
        <>
          <br />
          <span class="pre">{request.decisionReason}</span>
        </>
      ) : null}
    </>
  );
}

export function Extensions({ view }: { view: ExtensionsView }) {
  const { t, rich, zoneName, dateTime } = useReader();
  const { task, names, viewer, state } = view;
  const requests = task.extensions ?? [];
  const pending = requests.find((r) => r.status === 'pending');
  const open = task.status === 'open';
  if (!requests.length && !view.mayAsk) return null;
  const decideState = pending && state && typeof state.form === 'object' && state.form.decide === pending.id ? state : undefined;
  const askState = state?.form === 'ask' ? state : undefined;
  const askError = (field: string) => askState?.errors.find((x) => x.field === field)?.message;
  return (
    <section aria-labelledby="extensions-title">
      <h2 id="extensions-title">{t('tasks.extensions.title')}</h2>
      {requests.length ? (
        <div class="table-wrap ims-table-scroll">
          <table class="usa-table usa-table--borderless usa-table--stacked stack extensions">
            <caption class="usa-sr-only vh">{t('tasks.extensions.caption', { step: view.step })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('tasks.extensions.askedBy')}</th>
                <th scope="col">{t('tasks.extensions.askedOn')}</th>
                <th scope="col">{t('tasks.extensions.fromTo')}</th>
                <th scope="col">{t('tasks.extensions.reason')}</th>
                <th scope="col">{t('tasks.extensions.decision')}</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr id={`extension-${r.id}`} key={r.id}>
                  <td data-label={t('tasks.extensions.askedBy')}>
                    <Name names={names} id={r.requestedBy} />
                  </td>
                  <td data-label={t('tasks.extensions.askedOn')}>
                    <When iso={r.requestedAt} />
                  </td>
                  <td data-label={t('tasks.extensions.fromTo')}>
                    <When iso={r.fromDueAt} /> → <When iso={r.toDueAt} />
                  </td>
                  <td data-label={t('tasks.extensions.reason')} class="pre">
                    {r.reason}
                  </td>
                  <td data-label={t('tasks.extensions.decision')}>
                    <Decision request={r} task={task} names={names} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {pending && open && view.approver && pending.requestedBy === viewer.user.id ? <p class="usa-hint hint">{t('tasks.extensions.ownRequest')}</p> : null}
      {pending && open && view.approver && pending.requestedBy !== viewer.user.id ? (
        <form method="post" action={`/tasks/${task.id}/extensions/${pending.id}/decision`} class="usa-form decide">
          <CsrfField token={viewer.csrf} />
          <p>{rich('tasks.extensions.asks', { name: <Name names={names} id={pending.requestedBy} />, from: <When iso={pending.fromDueAt} />, to: <When iso={pending.toDueAt} /> })}</p>
          <Group id={`decide-${pending.id}-reason`} label={t('tasks.extensions.decisionReason')} error={decideState?.errors[0]?.message}>
            <textarea class="usa-textarea" id={`decide-${pending.id}-reason`} name="reason" rows={2} maxLength={2000} required {...described(decideState?.errors[0]?.message, `decide-${pending.id}-reason`)} value={decideState?.values.reason ?? ''} />
          </Group>
          <div class="actions usa-button-group">
            <button type="submit" name="decision" value="approve" class="usa-button">
              {t('tasks.extensions.approveDue', { due: dateTime(pending.toDueAt) })}
            </button>
            <button type="submit" name="decision" value="reject" class="usa-button usa-button--outline secondary">
              {t('tasks.extensions.reject')}
            </button>
          </div>
        </form>
      ) : null}
      {pending && open && !view.approver && pending.requestedBy === viewer.user.id ? (
        <p class="usa-hint hint">{rich('tasks.extensions.yourRequestWaits', { when: <When iso={task.dueAt} /> })}</p>
      ) : null}
      {view.mayAsk ? (
        <details open={Boolean(askState)}>
          <summary>{t('tasks.extensions.ask')}</summary>
          <form method="post" action={`/tasks/${task.id}/extensions`} class="usa-form">
            <CsrfField token={viewer.csrf} />
            <Group
              id="extension-ask-dueAt"
              label={t('tasks.extensions.newDue')}
              error={askError('dueAt')}
              hint={rich('tasks.extensions.newDueHint', { when: <When iso={task.dueAt} />, zone: zoneName() })}
            >
              <input class="usa-input" type="date" id="extension-ask-dueAt" name="dueAt" min={view.minDay} value={askState?.values.dueAt ?? ''} required {...described(askError('dueAt'), 'extension-ask-dueAt', 'extension-ask-dueAt-hint')} />
            </Group>
            <Group id="extension-ask-reason" label={t('tasks.extensions.reasonRequired')} error={askError('reason')}>
              <textarea class="usa-textarea" id="extension-ask-reason" name="reason" rows={3} maxLength={2000} required {...described(askError('reason'), 'extension-ask-reason')} value={askState?.values.reason ?? ''} />
            </Group>
            <p class="usa-hint hint">{t('tasks.extensions.ownerDecides')}</p>
            <button type="submit" class="usa-button usa-button--outline secondary">
              {t('tasks.extensions.ask')}
            </button>
          </form>
        </details>
      ) : null}
    </section>
  );
}
