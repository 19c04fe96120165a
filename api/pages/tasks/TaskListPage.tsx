/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Viewer } from '../basics.js';
import { TaskBadges } from '../components/Badges.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import type { Person } from '../task-form/submit.js';
import { roleName } from '../task-form/words.js';
import { TaskActions } from './TaskActions.js';
import type { DelegateState, TaskView } from './view.js';
import { useSiteName } from '../components/SiteName.js';

/** A task due within this long is "due soon". */
const DUE_SOON_MS = 2 * 86_400_000;

export interface TaskFilter {
  process: string;
  site: string;
  due: '' | 'overdue' | 'week';
  sort: 'due' | 'created';
}

export interface TaskListState {
  viewer: Viewer;
  now: string;
  filter: TaskFilter;
  processes: { key: string; name: string }[];
  sites: string[];
  mine: TaskView[];
  roles: TaskView[];
  /** Open tasks for the person before filtering. */
  total: number;
  /** The confirmation after claim, release or delegate. */
  done?: string;
  delegate?: DelegateState;
  /** Who a task may be delegated to, by task id. */
  people: Map<string, Person[]>;
  mayDelegate: Set<string>;
}

function DueSoon({ view, now }: { view: TaskView; now: string }) {
  const { t } = useReader();
  const { dueAt, status } = view.task;
  if (status !== 'open' || !dueAt) return null;
  const left = Date.parse(dueAt) - Date.parse(now);
  return left >= 0 && left <= DUE_SOON_MS ? <span class="usa-tag ims-tag--due-soon badge soon">{t('tasks.dueSoon')}</span> : null;
}

/** One task: what to do (the step), about what (the record's title), for whom, by when. */
function TaskCard({ view, state }: { view: TaskView; state: TaskListState }) {
  const reader = useReader();
  const { t } = reader;
  const siteName = useSiteName();
  const { task, record } = view;
  const { user } = state.viewer;
  return (
    <li id={`task-${task.id}`} class="usa-collection__item">
      <div class="usa-collection__body">
        <h3 class="usa-collection__heading">
          <a class="usa-link" href={`/tasks/${task.id}`}>
            {view.step}
          </a>{' '}
          <TaskBadges task={task} now={state.now} /> <DueSoon view={view} now={state.now} />
        </h3>
        <p class="usa-collection__description ims-record-title">
          <a class="usa-link" href={`/records/${task.instanceId}`}>
            {record.key}
          </a>
          {record.title ? <> · {record.title}</> : null}
        </p>
        <ul class="usa-collection__meta meta" aria-label={t('tasks.card.about')}>
          <li class="usa-collection__meta-item">{view.process}</li>
          {task.site ? <li class="usa-collection__meta-item">{t('tasks.card.site', { site: siteName(task.site) })}</li> : null}
          <li class="usa-collection__meta-item">
            {task.dueAt ? (
              <>
                {t('tasks.card.due')} <When iso={task.dueAt} />
              </>
            ) : (
              t('tasks.card.noDue')
            )}
          </li>
          <li class="usa-collection__meta-item">
            {t('tasks.card.created')} <When iso={task.createdAt} />
          </li>
          {!task.assignee && task.candidateRole ? <li class="usa-collection__meta-item">{t('tasks.card.forRole', { role: roleName(reader, task.candidateRole) })}</li> : null}
          {task.assignee && task.assignee !== user.id ? <li class="usa-collection__meta-item">{t('tasks.card.assignedTo', { name: view.holder ?? t('tasks.unknownPerson') })}</li> : null}
        </ul>
        <TaskActions view={view} viewer={state.viewer} people={state.people.get(task.id) ?? []} back="list" delegate={state.delegate} mayDelegate={state.mayDelegate.has(task.id)} />
      </div>
    </li>
  );
}

function Section({ id, title, views, empty, state }: { id: string; title: string; views: TaskView[]; empty: string; state: TaskListState }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {views.length ? (
        <ul class="usa-collection tasks">
          {views.map((view) => (
            <TaskCard key={view.task.id} view={view} state={state} />
          ))}
        </ul>
      ) : (
        <p>{empty}</p>
      )}
    </section>
  );
}

function Select({ id, name, label, value, options }: { id: string; name: string; label: string; value: string; options: [string, string][] }) {
  return (
    <div class="usa-form-group field">
      <label class="usa-label" for={id}>
        {label}
      </label>
      <select class="usa-select" id={id} name={name}>
        {options.map(([v, text]) => (
          <option key={v} value={v} selected={v === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The filters, folded on a phone unless one is set (a phone's first screen is for the tasks). */
function Filters({ state }: { state: TaskListState }) {
  const { t } = useReader();
  const siteName = useSiteName();
  const { filter } = state;
  const active = [filter.process, filter.site, filter.due].filter(Boolean).length + (filter.sort === 'created' ? 1 : 0);
  return (
    <details class="ims-filter-bar" open={active > 0}>
      <summary>{t('tasks.filter.summary', { count: active })}</summary>
      <form method="get" action="/tasks" class="usa-form">
        <div class="filters">
          <Select id="filter-process" name="process" label={t('tasks.filter.process')} value={filter.process} options={[['', t('tasks.filter.allProcesses')], ...state.processes.map((p): [string, string] => [p.key, p.name])]} />
          {state.sites.length > 1 ? <Select id="filter-site" name="site" label={t('tasks.filter.site')} value={filter.site} options={[['', t('tasks.filter.allSites')], ...state.sites.map((s): [string, string] => [s, siteName(s)])]} /> : null}
          <Select
            id="filter-due"
            name="due"
            label={t('tasks.filter.due')}
            value={filter.due}
            options={[
              ['', t('tasks.filter.anyTime')],
              ['overdue', t('tasks.filter.overdue')],
              ['week', t('tasks.filter.week')],
            ]}
          />
          <Select
            id="filter-sort"
            name="sort"
            label={t('tasks.filter.sort')}
            value={filter.sort}
            options={[
              ['due', t('tasks.filter.byDue')],
              ['created', t('tasks.filter.byCreated')],
            ]}
          />
        </div>
        <p>
          <button type="submit" class="usa-button">
            {t('tasks.filter.apply')}
          </button>{' '}
          <a class="usa-link" href="/tasks">
            {t('tasks.filter.clear')}
          </a>
        </p>
      </form>
    </details>
  );
}

export function TaskListPage({ state }: { state: TaskListState }) {
  const { t } = useReader();
  const shown = state.mine.length + state.roles.length;
  return (
    <Shell title={t('tasks.title')} viewer={state.viewer} current="tasks">
      {state.done ? (
        <Notice kind="status">
          <p>{state.done}</p>
        </Notice>
      ) : null}
      {state.delegate ? (
        <Notice kind="alert">
          <p>{t('tasks.actions.notDelegated')}</p>
        </Notice>
      ) : null}
      <Filters state={state} />
      <p role="status">{shown === state.total ? t('tasks.shown', { count: shown }) : t('tasks.shownOf', { count: shown, total: state.total })}</p>
      <Section id="mine" title={t('tasks.mine', { count: state.mine.length })} views={state.mine} empty={t('tasks.mineEmpty')} state={state} />
      <Section id="roles" title={t('tasks.roles', { count: state.roles.length })} views={state.roles} empty={t('tasks.rolesEmpty')} state={state} />
      <ZoneNote />
    </Shell>
  );
}
