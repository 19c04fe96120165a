/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import type { Catalogue } from '../../../engine/features/catalogue/index.js';
import type { SignatureRecord } from '../../../engine/features/signatures/index.js';
import type { Viewer } from '../basics.js';
import type { SigningPrompt } from '../signature.js';
import { escalationLevel, isOverdue } from '../../../engine/kernel/present/index.js';
import { TaskBadges } from '../components/Badges.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { NextStepsPart, type NextSteps } from '../task-form/NextSteps.js';
import { SignedBlock } from '../components/Signature.js';
import type { FieldChoices, FormState, Person } from '../task-form/submit.js';
import { roleName } from '../task-form/words.js';
import { TaskForm } from '../task-form/TaskForm.js';
import { Extensions, type ExtensionsView } from './Extensions.js';
import { TaskActions } from './TaskActions.js';
import { ReadingPart, type Reading } from './Reading.js';
import type { DelegateState, TaskView } from './view.js';
import { SiteName } from '../components/SiteName.js';

/**
 * One task (/tasks/:id): its step as the heading, then the record it is about by its title, whether it is
 * late or escalated, the facts (process, site, due, who), then what the person can do: the form when it is
 * theirs, the confirmation and what happens next once completed, the due-date extensions.
 */
export interface TaskPageState {
  view: TaskView;
  viewer: Viewer;
  now: string;
  people: Person[];
  /** What the form's fields of a pack's type offer, by field key. */
  choices?: FieldChoices;
  mayDelegate: boolean;
  /** Theirs to complete: the form is shown. */
  holds: boolean;
  form: FormState;
  signing?: SigningPrompt;
  catalogue: Catalogue;
  signatures: SignatureRecord[];
  next?: NextSteps;
  stepName: (task: NextSteps['steps'][number]['task']) => string;
  /** The version a read-and-understood task asks to read. */
  reading?: Reading;
  extensions: ExtensionsView;
  /** A confirmation (after an extension was asked for or decided), or the alert of a form sent back. */
  done?: string;
  problem?: string;
  delegate?: DelegateState;
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Holder({ state }: { state: TaskPageState }) {
  const reader = useReader();
  const { t } = reader;
  const { task, holder } = state.view;
  if (task.status === 'completed') return <>{t('tasks.page.completedBy', { name: holder ?? t('tasks.unknownPerson') })}</>;
  if (task.status === 'cancelled') return <>{t('tasks.page.cancelledNobody')}</>;
  if (task.assignee) return <>{t('tasks.page.assignedTo', { name: holder ?? t('tasks.unknownPerson') })}</>;
  if (task.candidateRole) return <>{t('tasks.page.forRole', { role: roleName(reader, task.candidateRole) })}</>;
  return <>{t('tasks.page.nobody')}</>;
}

function Main({ state }: { state: TaskPageState }) {
  const { t, rich } = useReader();
  const { view, viewer } = state;
  const { task } = view;
  const actions = <TaskActions view={view} viewer={viewer} people={state.people} back="task" delegate={state.delegate} mayDelegate={state.mayDelegate} />;
  const back = (
    <p>
      <a class="usa-link" href={`/records/${task.instanceId}`}>
        {t('tasks.page.seeRecord')}
      </a>{' '}
      ·{' '}
      <a class="usa-link" href="/tasks">
        {t('tasks.page.backToTasks')}
      </a>
    </p>
  );
  if (task.status === 'completed') {
    const signed = state.signatures.map((s) => <SignedBlock key={s.id} signature={s} />);
    return task.completedBy === viewer.user.id ? (
      <>
        <Notice kind="status">
          <p>{rich('tasks.page.youCompleted', { step: view.step, record: view.record.text, when: <When iso={task.completedAt} /> })}</p>
        </Notice>
        {signed}
        {state.next ? <NextStepsPart next={state.next} stepName={state.stepName} /> : null}
        {back}
      </>
    ) : (
      <>
        <p>{rich('tasks.page.completedOn', { name: view.holder ?? t('tasks.unknownPerson'), when: <When iso={task.completedAt} /> })}</p>
        {signed}
        {back}
      </>
    );
  }
  if (task.status === 'cancelled') {
    return (
      <p>
        {t('tasks.page.cancelled')}{' '}
        <a class="usa-link" href={`/records/${task.instanceId}`}>
          {t('tasks.page.seeRecord')}
        </a>
      </p>
    );
  }
  if (state.holds) {
    return (
      <>
        {actions}
        <TaskForm task={{ ...task, name: view.step }} {...state.form} action={`/tasks/${task.id}`} csrf={viewer.csrf} people={state.people} choices={state.choices} signing={state.signing} catalogue={state.catalogue} />
      </>
    );
  }
  return (
    <>
      <p>{t('tasks.page.notYours')}</p>
      {actions}
    </>
  );
}

export function TaskPage({ state }: { state: TaskPageState }) {
  const { t } = useReader();
  const { view } = state;
  const { task, record } = view;
  return (
    <Shell title={view.step} viewer={state.viewer} current="tasks">
      <p class="usa-intro ims-record-title">
        <a class="usa-link" href={`/records/${task.instanceId}`}>
          {record.key}
        </a>
        {record.title ? <> · {record.title}</> : null}
      </p>
      {isOverdue(task, state.now) || escalationLevel(task) > 0 ? (
        <p class="ims-badges">
          <TaskBadges task={task} now={state.now} />
        </p>
      ) : null}
      {state.done ? (
        <Notice kind="status">
          <p>{state.done}</p>
        </Notice>
      ) : null}
      {state.problem ? (
        <Notice kind="alert">
          <p>{state.problem}</p>
        </Notice>
      ) : null}
      <dl class="ims-facts facts">
        <Fact term={t('tasks.page.process')}>{view.process}</Fact>
        {task.site ? <Fact term={t('tasks.page.site')}>
            <SiteName site={task.site} />
          </Fact> : null}
        <Fact term={t('tasks.page.due')}>{task.dueAt ? <When iso={task.dueAt} /> : t('tasks.card.noDue')}</Fact>
        <Fact term={t('tasks.page.who')}>
          <Holder state={state} />
        </Fact>
      </dl>
      {state.reading ? <ReadingPart reading={state.reading} /> : null}
      <Main state={state} />
      <Extensions view={state.extensions} />
      <ZoneNote />
    </Shell>
  );
}
