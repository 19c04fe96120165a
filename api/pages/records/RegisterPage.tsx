/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import type { RegisterItem, RegisterResult, RegisterView } from '../../../engine/features/register/index.js';
import type { FieldError } from '../../../engine/kernel/errors.js';
import type { Viewer } from '../basics.js';
import { TaskBadges } from '../components/Badges.js';
import { CsrfField, describedBy, ErrorSummary, Field, FilterBar, FilterBarActions } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { Day, ZoneNote } from '../components/Time.js';
import { roleWords } from '../components/Value.js';
import { useReader } from '../reader.js';
import { useSiteName } from '../components/SiteName.js';

/**
 * The records register (/records): a search box, the filters, how many records match with the CSV of
 * them, one page of records (number and title linking to the record, status, current step, owner, due
 * date with overdue and escalation tags, opened), sortable by column header links, a pager, and the
 * person's saved views. Plain GET forms and links: it works without JavaScript; on a phone each row
 * stacks into a card.
 */

/** The query parameters the page reads, as typed (the route checks them). */
export const FILTER_NAMES = ['q', 'process', 'status', 'site', 'owner', 'overdue', 'openedFrom', 'openedTo', 'closedFrom', 'closedTo', 'linkedTo'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type RegisterParams = Partial<Record<FilterName | 'sort' | 'dir' | 'page' | 'pageSize', string>>;

export interface RegisterPageState {
  viewer: Viewer;
  params: RegisterParams;
  errors: FieldError[];
  result?: RegisterResult;
  now: Date;
  names: Map<string, string>;
  /** Process keys and their names, for the filter and the rows. */
  processes: { key: string; name: string }[];
  /** The sites the person may filter on; undefined: any (typed). */
  sites?: string[];
  /** People who may own a step, by name. */
  owners: { id: string; name: string }[];
  views: RegisterView[];
  /** What just happened: a view saved or deleted. */
  notice?: { kind: 'saved'; name: string } | { kind: 'deleted' };
}

/** The parameters as a query string, without empty values; `extra` replaces some. */
export function registerHref(params: RegisterParams, extra: RegisterParams = {}, path = '/records'): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...extra })) if (v) query.set(k, v);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

function Hidden({ params, except }: { params: RegisterParams; except: readonly string[] }) {
  return (
    <>
      {Object.entries(params)
        .filter(([k, v]) => v && !except.includes(k) && k !== 'page')
        .map(([k, v]) => (
          <input type="hidden" name={k} value={v} key={k} />
        ))}
    </>
  );
}

function SearchBox({ params, error }: { params: RegisterParams; error?: string }) {
  const { t } = useReader();
  return (
    <form class="usa-form ims-register-search" method="get" action="/records" role="search" aria-label={t('register.search.landmark')}>
      <Field id="register-q" label={t('register.search.label')} hint={t('register.search.hint')} error={error}>
        <input class={error ? 'usa-input usa-input--error' : 'usa-input'} type="search" id="register-q" name="q" value={params.q ?? ''} {...describedBy('register-q', { hint: true, error })} />
      </Field>
      <Hidden params={params} except={['q']} />
      <button type="submit" class="usa-button">
        {t('register.search.button')}
      </button>
    </form>
  );
}

function Select({ name, label, value, options, error }: { name: FilterName; label: string; value: string | undefined; options: { value: string; label: string }[]; error?: string }) {
  const { t } = useReader();
  const id = `register-${name}`;
  return (
    <Field id={id} label={label} error={error}>
      <select class="usa-select" id={id} name={name} {...describedBy(id, { error })}>
        <option value="">{t('register.filter.any')}</option>
        {options.map((o) => (
          <option value={o.value} selected={o.value === value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

function Input({ name, label, type, value, error, hint }: { name: FilterName; label: string; type: 'text' | 'date'; value: string | undefined; error?: string; hint?: string }) {
  const id = `register-${name}`;
  const input = { class: error ? 'usa-input usa-input--error' : 'usa-input', id, name, value: value ?? '', ...describedBy(id, { hint, error }) };
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {type === 'date' ? <input type="date" {...input} /> : <input type="text" {...input} />}
    </Field>
  );
}

function Filters({ state, problem }: { state: RegisterPageState; problem: (name: string) => string | undefined }) {
  const reader = useReader();
  const siteName = useSiteName();
  const { t } = reader;
  const { params } = state;
  const active = FILTER_NAMES.filter((n) => n !== 'q' && params[n]).length;
  const statuses = ['running', 'completed', 'cancelled', 'incident'].map((s) => ({ value: s, label: t('values.status', { status: s }) }));
  return (
    <FilterBar action="/records" summary={t('register.filterSummary', { active })} label={t('register.filter')} open={state.errors.length > 0}>
      <Hidden params={params} except={FILTER_NAMES.filter((n) => n !== 'q')} />
      <Select name="process" label={t('register.filter.process')} value={params.process} options={state.processes.map((p) => ({ value: p.key, label: p.name }))} error={problem('process')} />
      <Select name="status" label={t('register.filter.status')} value={params.status} options={statuses} error={problem('status')} />
      {state.sites ? (
        <Select name="site" label={t('register.filter.site')} value={params.site} options={state.sites.map((s) => ({ value: s, label: siteName(s) }))} error={problem('site')} />
      ) : (
        <Input name="site" label={t('register.filter.site')} type="text" value={params.site} error={problem('site')} />
      )}
      <Select name="owner" label={t('register.filter.owner')} value={params.owner} options={state.owners.map((o) => ({ value: o.id, label: o.name }))} error={problem('owner')} />
      <Input name="openedFrom" label={t('register.filter.openedFrom')} type="date" value={params.openedFrom} error={problem('openedFrom')} />
      <Input name="openedTo" label={t('register.filter.openedTo')} type="date" value={params.openedTo} error={problem('openedTo')} />
      <Input name="closedFrom" label={t('register.filter.closedFrom')} type="date" value={params.closedFrom} error={problem('closedFrom')} />
      <Input name="closedTo" label={t('register.filter.closedTo')} type="date" value={params.closedTo} error={problem('closedTo')} />
      <Input name="linkedTo" label={t('register.filter.linkedTo')} hint={t('register.filter.linkedToHint')} type="text" value={params.linkedTo} error={problem('linkedTo')} />
      <div class="usa-form-group">
        <div class="usa-checkbox">
          <input class="usa-checkbox__input" type="checkbox" id="register-overdue" name="overdue" value="true" checked={params.overdue === 'true'} />
          <label class="usa-checkbox__label" for="register-overdue">
            {t('register.filter.overdue')}
          </label>
        </div>
      </div>
      <FilterBarActions>
        <button type="submit" class="usa-button">
          {t('register.apply')}
        </button>
        <a href="/records">{t('register.clear')}</a>
      </FilterBarActions>
    </FilterBar>
  );
}

type Column = 'number' | 'opened' | 'due' | 'status';

function SortHeader({ params, column, children }: { params: RegisterParams; column: Column; children: ComponentChildren }) {
  const { t } = useReader();
  const current = (params.sort ?? 'opened') === column;
  const dir = params.dir === 'asc' ? 'asc' : 'desc';
  const next = current && dir === 'desc' ? 'asc' : current ? 'desc' : column === 'number' || column === 'due' ? 'asc' : 'desc';
  return (
    // the sorted column says so in words (USWDS colours th[aria-sort] too pale for its link)
    <th scope="col">
      <a href={registerHref(params, { sort: column, dir: next, page: '' })}>
        {children}
        {current ? <span class="usa-sr-only"> {t(dir === 'asc' ? 'register.sortedAsc' : 'register.sortedDesc')}</span> : null}
        {current ? <span aria-hidden="true">{dir === 'asc' ? ' ▲' : ' ▼'}</span> : null}
      </a>
    </th>
  );
}

function Owner({ item, names }: { item: RegisterItem; names: Map<string, string> }) {
  const reader = useReader();
  if (!item.step) return null;
  if (item.step.assignee) return <>{names.get(item.step.assignee) ?? item.step.assignee}</>;
  return item.step.candidateRole ? <>{roleWords(reader, item.step.candidateRole)}</> : null;
}

function Rows({ state }: { state: RegisterPageState }) {
  const { t, translated } = useReader();
  const { params, names, now } = state;
  const items = state.result?.items ?? [];
  const processName = new Map(state.processes.map((p) => [p.key, p.name]));
  const caption = t('register.caption');
  return (
    <div class="ims-table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="usa-table usa-table--compact usa-table--stacked ims-register">
        <caption class="usa-sr-only">{caption}</caption>
        <thead>
          <tr>
            <SortHeader params={params} column="number">
              {t('register.column.number')}
            </SortHeader>
            <SortHeader params={params} column="status">
              {t('register.column.status')}
            </SortHeader>
            <th scope="col">{t('register.column.step')}</th>
            <th scope="col">{t('register.column.owner')}</th>
            <SortHeader params={params} column="due">
              {t('register.column.due')}
            </SortHeader>
            <SortHeader params={params} column="opened">
              {t('register.column.opened')}
            </SortHeader>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.instanceId}>
              <th scope="row" data-label={t('register.column.number')}>
                <a href={`/records/${encodeURIComponent(item.instanceId)}`}>{item.businessKey}</a>
                {item.title ? <span class="ims-register__title"> {item.title}</span> : null}
                <br />
                <span class="ims-register__process">{translated(`${item.process}.process.name`, processName.get(item.process) ?? item.process)}</span>
              </th>
              <td data-label={t('register.column.status')}>
                <span class={`usa-tag ims-tag--status-${item.status}`}>{t('values.status', { status: item.status })}</span>
              </td>
              <td data-label={t('register.column.step')}>{item.step ? translated(`${item.process}.${item.step.elementId}.name`, item.step.name) : t('register.noStep')}</td>
              <td data-label={t('register.column.owner')}>
                <Owner item={item} names={names} />
              </td>
              <td data-label={t('register.column.due')}>
                <Day iso={item.step?.dueAt} />{' '}
                {item.step ? <TaskBadges task={{ status: 'open', dueAt: item.step.dueAt, escalationLevel: item.step.escalationLevel }} now={now} /> : null}
              </td>
              <td data-label={t('register.column.opened')}>
                <Day iso={item.startedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ params, page, pages }: { params: RegisterParams; page: number; pages: number }) {
  const { t } = useReader();
  if (pages <= 1) return null;
  return (
    <nav class="usa-pagination" aria-label={t('register.pages')}>
      <ul class="usa-pagination__list">
        {page > 1 ? (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a class="usa-pagination__link usa-pagination__previous-page" href={registerHref(params, { page: String(page - 1) })} rel="prev">
              <span class="usa-pagination__link-text">{t('register.previous')}</span>
            </a>
          </li>
        ) : null}
        <li class="usa-pagination__item usa-pagination__page-no">
          <span class="usa-pagination__button usa-current" aria-current="page">
            {t('register.pageOf', { page, pages })}
          </span>
        </li>
        {page < pages ? (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a class="usa-pagination__link usa-pagination__next-page" href={registerHref(params, { page: String(page + 1) })} rel="next">
              <span class="usa-pagination__link-text">{t('register.next')}</span>
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

function Views({ state }: { state: RegisterPageState }) {
  const { t } = useReader();
  const { params, views, viewer } = state;
  const nameError = state.errors.find((e) => e.field === 'name');
  return (
    <section class="ims-register-views" aria-labelledby="register-views">
      <h2 id="register-views">{t('register.views.title')}</h2>
      {views.length ? (
        <ul class="usa-list usa-list--unstyled">
          {views.map((view) => (
            <li key={view.id} class="ims-register-views__item">
              <a href={registerHref(view.query)}>{view.name}</a>{' '}
              <form method="post" action={`/records/views/${encodeURIComponent(view.id)}/delete`}>
                <CsrfField token={viewer.csrf} />
                <button type="submit" class="usa-button usa-button--unstyled">
                  {t('register.views.delete', { name: view.name })}
                </button>
              </form>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('register.views.none')}</p>
      )}
      <form class="usa-form" method="post" action="/records/views">
        <CsrfField token={viewer.csrf} />
        <Hidden params={params} except={[]} />
        <Field id="register-view-name" label={t('register.views.name')} error={nameError ? t('register.problem.name') : undefined}>
          <input class={nameError ? 'usa-input usa-input--error' : 'usa-input'} id="register-view-name" name="name" maxLength={80} required {...describedBy('register-view-name', { error: nameError })} />
        </Field>
        <button type="submit" class="usa-button usa-button--outline">
          {t('register.views.save')}
        </button>
      </form>
    </section>
  );
}

/** A field's problem in words: the page says what to do, whatever the check said. */
function problemWords(t: (id: string) => string, error: FieldError): string {
  if (['openedFrom', 'openedTo', 'closedFrom', 'closedTo'].includes(error.field)) return t(error.message.includes('before') ? 'register.problem.order' : 'register.problem.date');
  if (error.field === 'site') return t('register.problem.site');
  if (error.field === 'name') return t('register.problem.name');
  return t('register.problem.other');
}

export function RegisterPage({ state }: { state: RegisterPageState }) {
  const { t } = useReader();
  const { params, result } = state;
  const filterErrors = state.errors.filter((e) => e.field !== 'name');
  const problem = (name: string) => {
    const error = filterErrors.find((e) => e.field === name);
    return error && problemWords(t, error);
  };
  return (
    <Shell title={t('register.title')} viewer={state.viewer} current="records">
      {state.notice ? <Notice kind="status">{state.notice.kind === 'saved' ? t('register.views.saved', { name: state.notice.name }) : t('register.views.deleted')}</Notice> : null}
      {state.errors.length ? (
        <ErrorSummary heading={t('register.fix', { count: state.errors.length })} problems={state.errors.map((e) => ({ id: e.field === 'name' ? 'register-view-name' : `register-${e.field}`, message: problemWords(t, e) }))} />
      ) : null}
      <SearchBox params={params} error={problem('q')} />
      <Filters state={state} problem={problem} />
      {result ? (
        <p role="status" class="ims-register-count">
          {t('register.count', { total: result.total })} {result.total ? <a href={registerHref(params, { page: '' }, '/api/records.csv')}>{t('register.csv')}</a> : null}
        </p>
      ) : null}
      {result?.items.length ? (
        <>
          <ZoneNote />
          <Rows state={state} />
          <Pager params={params} page={result.page} pages={result.pages} />
        </>
      ) : null}
      <Views state={state} />
    </Shell>
  );
}
