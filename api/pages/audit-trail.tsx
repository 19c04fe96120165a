/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { ChainVerification } from '../../engine/kernel/audit-chain.js';
import type { AuditEvent, TaskRecord } from '../../engine/kernel/model.js';
import type { FieldError } from '../../engine/kernel/errors.js';
import type { ComponentChildren, VNode } from 'preact';
import type { Viewer } from './basics.js';
import { describedBy, ErrorSummary, Field, FilterBar, FilterBarActions } from './components/Form.js';
import { HistoryTable, type Names } from './components/History.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { ZoneNote } from './components/Time.js';
import { useReader } from './reader.js';
import { sendDocument } from './render.js';

const bold = (chunks: ComponentChildren) => <strong>{chunks}</strong>;

/** The filter of the audit trail, as typed (the route checks the dates). */
export interface AuditFilter {
  record: string;
  user: string;
  from: string;
  to: string;
}

/** What the audit-trail page shows: the chain's verification, the filter and its problems, one page of events. */
export interface AuditTrailState {
  viewer: Viewer;
  filter: AuditFilter;
  errors: FieldError[];
  verification: ChainVerification;
  /** Events in the trail in all. */
  total: number;
  /** Events that match the filter (and that the person may read). */
  matching: number;
  page: number;
  pages: number;
  /** This page's events, newest first. */
  events: AuditEvent[];
  names: Names;
  /** The tasks the events are about, by id (to name their steps). */
  tasks?: Map<string, TaskRecord>;
  /** A value of a pack's field type in the reader's words (ProcessPack.fieldTypes); absent: shown as data. */
  packValue?(type: string, value: unknown): string | undefined;
}

/** The filter (and a page) as a query string, without the empty values. */
export function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) params.set(k, v);
  return params.toString();
}

function ChainNotice({ verification }: { verification: ChainVerification }) {
  const { rich } = useReader();
  return verification.ok ? (
    <Notice kind="status">
      <p>{rich<VNode>('audit.verified', { count: verification.checked, b: bold })}</p>
    </Notice>
  ) : (
    <Notice kind="alert">
      <p>{rich<VNode>('audit.broken', { seq: verification.brokenAt?.seq ?? '', reason: verification.brokenAt?.reason ?? '', count: verification.checked, b: bold })}</p>
    </Notice>
  );
}

function MatchSummary({ state }: { state: AuditTrailState }) {
  const { t } = useReader();
  const { matching, total, page, pages, filter } = state;
  const query = auditQuery(filter);
  return (
    <p role="status">
      {t('audit.matching', { matching, total, page, pages })} <a href={`/audit.csv${query ? `?${query}` : ''}`}>{t('audit.csv')}</a>
    </p>
  );
}

interface FieldProps {
  name: keyof AuditFilter;
  label: string;
  type: 'text' | 'date';
  hint?: string;
  filter: AuditFilter;
  errors: FieldError[];
}

function FilterField({ name, label, type, hint, filter, errors }: FieldProps) {
  const error = errors.find((x) => x.field === name)?.message;
  const id = `audit-${name}`;
  const input = { class: error ? 'usa-input usa-input--error' : 'usa-input', id, name, value: filter[name], ...describedBy(id, { hint, error }) };
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {type === 'date' ? <input type="date" {...input} /> : <input type="text" {...input} />}
    </Field>
  );
}

function Filters({ filter, errors }: { filter: AuditFilter; errors: FieldError[] }) {
  const { t } = useReader();
  const field = { filter, errors };
  const active = Object.values(filter).filter(Boolean).length;
  return (
    <FilterBar action="/audit" summary={t('audit.filterSummary', { active })} label={t('audit.filter')} open={errors.length > 0}>
      <FilterField name="record" label={t('audit.filter.record')} type="text" hint={t('audit.filter.recordHint')} {...field} />
      <FilterField name="user" label={t('audit.filter.user')} type="text" {...field} />
      <FilterField name="from" label={t('audit.filter.from')} type="date" {...field} />
      <FilterField name="to" label={t('audit.filter.to')} type="date" {...field} />
      <FilterBarActions>
        <button type="submit" class="usa-button">
          {t('audit.apply')}
        </button>
        <a href="/audit">{t('audit.clear')}</a>
      </FilterBarActions>
    </FilterBar>
  );
}

function Pager({ filter, page, pages }: { filter: AuditFilter; page: number; pages: number }) {
  const { t } = useReader();
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t('audit.pages')}>
      {page > 1 ? (
        <a href={`/audit?${auditQuery(filter, { page: String(page - 1) })}`} rel="prev">
          {t('audit.newer')}
        </a>
      ) : (
        <span></span>
      )}
      {page < pages ? (
        <a href={`/audit?${auditQuery(filter, { page: String(page + 1) })}`} rel="next">
          {t('audit.older')}
        </a>
      ) : null}
    </nav>
  );
}

/**
 * The audit trail (/audit): the hash chain's verification first, then how many events match (with the CSV
 * export of them) or what to correct in the filter, the filter, one page of events and the pager.
 */
export function AuditTrailPage({ state }: { state: AuditTrailState }) {
  const { t } = useReader();
  const { viewer, filter, errors, events, names } = state;
  return (
    <Shell title={t('audit.title')} viewer={viewer} current="audit">
      <ChainNotice verification={state.verification} />
      {errors.length ? (
        <ErrorSummary heading={t('audit.fix', { count: errors.length })} problems={errors.map((x) => ({ id: `audit-${x.field}`, message: x.message }))} />
      ) : (
        <MatchSummary state={state} />
      )}
      <Filters filter={filter} errors={errors} />
      {events.length ? <ZoneNote /> : null}
      {events.length ? <HistoryTable events={events} names={names} caption={t('audit.events')} lookups={{ task: (id) => state.tasks?.get(id), ...(state.packValue && { packValue: state.packValue }) }} /> : null}
      <Pager filter={filter} page={state.page} pages={state.pages} />
    </Shell>
  );
}

/** Sends the audit-trail page: 200, or 400 when the filter has a problem. */
export function sendAuditTrailPage(res: Response, state: AuditTrailState): void {
  sendDocument(res, state.errors.length ? 400 : 200, <AuditTrailPage state={state} />);
}
