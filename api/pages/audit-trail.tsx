/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { ChainVerification } from '../../engine/kernel/audit-chain.js';
import type { AuditEvent } from '../../engine/kernel/model.js';
import type { FieldError } from '../../engine/kernel/errors.js';
import { plural, type Viewer } from '../ui/html.js';
import type { Names } from '../ui/records.js';
import { describedBy, ErrorSummary, Field, FilterBar, FilterBarActions } from './components/Form.js';
import { HistoryTable } from './components/History.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { sendDocument } from './render.js';

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
}

/** The filter (and a page) as a query string, without the empty values. */
export function auditQuery(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) params.set(k, v);
  return params.toString();
}

function ChainNotice({ verification }: { verification: ChainVerification }) {
  return verification.ok ? (
    <Notice kind="status">
      <p>
        <strong>Audit trail verified:</strong> the hash chain of all {plural(verification.checked, 'event')} is intact.
      </p>
    </Notice>
  ) : (
    <Notice kind="alert">
      <p>
        <strong>The audit trail is broken at event {verification.brokenAt?.seq}:</strong> {verification.brokenAt?.reason}. {plural(verification.checked, 'event')} before it check out. Tell the administrator and keep the database as it is.
      </p>
    </Notice>
  );
}

function MatchSummary({ state }: { state: AuditTrailState }) {
  const { matching, total, page, pages, filter } = state;
  const query = auditQuery(filter);
  return (
    <p role="status">
      {plural(matching, 'event')} match{matching === 1 ? 'es' : ''} (of {total} in the trail){matching ? `; page ${page} of ${pages}, newest first` : ''}.{' '}
      <a href={`/audit.csv${query ? `?${query}` : ''}`}>Download these events as CSV</a>
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
  const field = { filter, errors };
  const active = Object.values(filter).filter(Boolean).length;
  return (
    <FilterBar action="/audit" summary={active ? `Filter (${active} active)` : 'Filter'} label="Filter" open={errors.length > 0}>
      <FilterField name="record" label="Record or target" type="text" hint="A business key (NC-2026-0001), an id, or a target such as task:… or user:…" {...field} />
      <FilterField name="user" label="User (id)" type="text" {...field} />
      <FilterField name="from" label="From (date, UTC)" type="date" {...field} />
      <FilterField name="to" label="To (date, UTC, inclusive)" type="date" {...field} />
      <FilterBarActions>
        <button type="submit" class="usa-button">
          Apply
        </button>
        <a href="/audit">Clear filters</a>
      </FilterBarActions>
    </FilterBar>
  );
}

function Pager({ filter, page, pages }: { filter: AuditFilter; page: number; pages: number }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? (
        <a href={`/audit?${auditQuery(filter, { page: String(page - 1) })}`} rel="prev">
          Newer events
        </a>
      ) : (
        <span></span>
      )}
      {page < pages ? (
        <a href={`/audit?${auditQuery(filter, { page: String(page + 1) })}`} rel="next">
          Older events
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
  const { viewer, filter, errors, events, names } = state;
  return (
    <Shell title="Audit trail" viewer={viewer} current="audit">
      <ChainNotice verification={state.verification} />
      {errors.length ? (
        <ErrorSummary heading={`Please correct ${plural(errors.length, 'field')}.`} problems={errors.map((x) => ({ id: `audit-${x.field}`, message: x.message }))} />
      ) : (
        <MatchSummary state={state} />
      )}
      <Filters filter={filter} errors={errors} />
      {events.length ? <HistoryTable events={events} names={names} caption="Audit events" /> : null}
      <Pager filter={filter} page={state.page} pages={state.pages} />
    </Shell>
  );
}

/** Sends the audit-trail page: 200, or 400 when the filter has a problem. */
export function sendAuditTrailPage(res: Response, state: AuditTrailState): void {
  sendDocument(res, state.errors.length ? 400 : 200, <AuditTrailPage state={state} />);
}
