/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Catalogue } from '../../../engine/features/catalogue/index.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import type { FieldChoices, FormState, Person } from '../task-form/submit.js';
import { TaskForm } from '../task-form/TaskForm.js';

/**
 * Raising a record in the browser: the list of what I may start (/new), a process's start form
 * (/new/:key, the task form's renderer) and the confirmation with the record's number, title and what
 * happens next (/new/:key/started/:id). Plain forms: they work with JavaScript off and on a phone.
 */

export interface StartChoice {
  key: string;
  name: string;
  description?: string;
}

export function NewListPage({ viewer, choices }: { viewer: Viewer; choices: StartChoice[] }) {
  const { t } = useReader();
  return (
    <Shell title={t('start.list.title')} viewer={viewer} current="new">
      {choices.length ? (
        <>
          <p class="usa-intro">{t('start.list.intro')}</p>
          <ul class="usa-card-group ims-list-full">
            {choices.map((choice) => (
              <li key={choice.key} class="usa-card tablet:grid-col-6">
                <div class="usa-card__container">
                  <div class="usa-card__header">
                    <h2 class="usa-card__heading">
                      <a class="usa-link" href={`/new/${choice.key}`}>
                        {choice.name}
                      </a>
                    </h2>
                  </div>
                  {choice.description ? (
                    <div class="usa-card__body">
                      <p>{choice.description}</p>
                    </div>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t('start.list.none')}</p>
      )}
    </Shell>
  );
}

export interface StartFormState extends FormState {
  viewer: Viewer;
  name: string;
  description?: string;
  /** The start form as a task's form (its messages are the start event's): the renderer is the task form's. */
  form: TaskRecord;
  people: Person[];
  /** What fields of a pack's type offer, by field key. */
  choices?: FieldChoices;
  catalogue: Catalogue;
}

export function StartFormPage({ state }: { state: StartFormState }) {
  const { t } = useReader();
  const { form } = state;
  return (
    <Shell title={t('start.form.title', { process: state.name })} viewer={state.viewer} current="new">
      {state.description ? <p class="usa-intro">{state.description}</p> : null}
      <TaskForm task={form} values={state.values} errors={state.errors} kept={state.kept} action={`/new/${form.definitionKey}`} csrf={state.viewer.csrf} people={state.people} choices={state.choices} catalogue={state.catalogue} submitLabel={t('start.form.submit', { process: state.name })} />
      <p>
        <a class="usa-link" href="/new">
          {t('start.form.back')}
        </a>
      </p>
    </Shell>
  );
}

/** One step now open on the new record: its name, who holds it, when it is due. */
export interface NextStep {
  step: string;
  /** A person's name, or the role and site that hold it. */
  holder: { person: string } | { role: string; site?: string };
  dueAt?: string;
}

export interface StartedState {
  viewer: Viewer;
  process: string;
  recordId: string;
  businessKey: string;
  title?: string;
  next: NextStep[];
  /** When nothing is open yet: the soonest time the record waits for (a planned date). */
  waitsUntil?: string;
}

export function StartedPage({ state }: { state: StartedState }) {
  const { t, rich } = useReader();
  return (
    <Shell title={t('start.done.title', { process: state.process })} viewer={state.viewer} current="new">
      <div class="usa-alert usa-alert--success notice good" role="status">
        <div class="usa-alert__body">
          <p class="usa-alert__text">{rich('start.done.number', { number: state.businessKey, b: (chunks: unknown) => <strong class="ims-record-number">{chunks as string}</strong> })}</p>
        </div>
      </div>
      <dl class="ims-facts facts">
        <div>
          <dt>{t('start.done.record')}</dt>
          <dd>
            <strong>{state.businessKey}</strong>
            {state.title ? <> · {state.title}</> : null}
          </dd>
        </div>
      </dl>
      <h2>{t('start.done.nextHeading')}</h2>
      {state.next.length ? (
        <ul class="usa-list">
          {state.next.map((step, i) => (
            <li key={i}>
              {rich('start.done.step', {
                step: step.step,
                holder: 'person' in step.holder ? step.holder.person : step.holder.site ? t('start.done.roleAtSite', { role: step.holder.role, site: step.holder.site }) : t('start.done.role', { role: step.holder.role }),
                b: (chunks: unknown) => <strong>{chunks as string}</strong>,
              })}{' '}
              {step.dueAt ? rich('start.done.due', { when: <When iso={step.dueAt} /> }) : t('start.done.noDue')}
            </li>
          ))}
        </ul>
      ) : (
        <p>{state.waitsUntil ? rich('start.done.waits', { when: <When iso={state.waitsUntil} /> }) : t('start.done.nothingOpen')}</p>
      )}
      <p>
        <a class="usa-button" href={`/records/${state.recordId}`}>
          {t('start.done.seeRecord', { number: state.businessKey })}
        </a>{' '}
        <a class="usa-button usa-button--outline" href="/new">
          {t('start.done.another')}
        </a>
      </p>
      <ZoneNote />
    </Shell>
  );
}
