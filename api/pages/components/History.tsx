/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren, VNode } from 'preact';
import type { AuditEvent } from '../../../engine/kernel/model.js';
import { historyEntry, type FieldChange, type HistoryEntry, type HistoryLookups } from '../../../engine/kernel/present/index.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { useReader } from '../reader.js';
import { When } from './Time.js';
import { plainText, ShownValue } from './Value.js';

/**
 * Audit events as sentences ("Aoife Brennan completed Assess and contain: severity major"), each with the
 * data it entered or changed (field: before → after) and the reason given; the action and target as
 * recorded stay one click away for an auditor. The record page and the audit trail show the same table.
 */

export type Names = Map<string, string>;

export { When };

/** A person by name, or the id alone when the directory has no other name. */
export function Person({ names, id }: { names: Names; id: string | undefined }) {
  if (!id) return null;
  return <>{names.get(id) ?? id}</>;
}

/** The step an event is about, as the reader reads it (a pack's translation when the name is as shipped). */
function stepName(reader: Reader, entry: HistoryEntry): string {
  if (!entry.step) return reader.t('history.aStep');
  const { processKey, elementId, name } = entry.step;
  return processKey && elementId ? reader.translated(`${processKey}.${elementId}.name`, name) : name;
}

/** The sentence of an event, the step in bold. */
export function sentence(reader: Reader, entry: HistoryEntry): Array<string | VNode> {
  const values: Record<string, unknown> = Object.fromEntries(Object.entries(entry.args).map(([key, value]) => [key, plainText(reader, value)]));
  values.step = stepName(reader, entry);
  values.summary = entry.summary.map((change) => reader.t('history.entered', { field: change.label, value: plainText(reader, change.after) })).join('; ');
  values.b = (chunks: ComponentChildren) => <strong>{chunks}</strong>;
  return reader.rich<VNode>(entry.message, values);
}

/** The sentence as plain text (emails, tests, the page title of an event). */
export function sentenceText(reader: Reader, entry: HistoryEntry): string {
  const values: Record<string, unknown> = Object.fromEntries(Object.entries(entry.args).map(([key, value]) => [key, plainText(reader, value)]));
  values.step = stepName(reader, entry);
  values.summary = entry.summary.map((change) => reader.t('history.entered', { field: change.label, value: plainText(reader, change.after) })).join('; ');
  values.b = (chunks: string[]) => chunks.join('');
  return reader.rich<string>(entry.message, values).join('');
}

const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;

/** A reason the engine wrote may name a time: on the reader's clock, like every other time on the page. */
function withTimes(reader: Reader, text: string): string {
  return text.replace(INSTANT, (iso) => (Number.isNaN(Date.parse(iso)) ? iso : reader.dateTime(iso)));
}

/** One field's change: "Severity: Major" when entered, "Due: 9 May → 16 May" when changed. */
function Change({ change }: { change: FieldChange }) {
  const { t } = useReader();
  const before = change.before.kind !== 'empty';
  const after = change.after.kind !== 'empty';
  return (
    <li>
      <span class="ims-change__field">{change.label}:</span>{' '}
      {before ? (
        <>
          <del class="ims-change__before">
            <ShownValue value={change.before} />
          </del>{' '}
          {after ? '→ ' : null}
        </>
      ) : null}
      {after ? (
        <ins class="ims-change__after">
          <ShownValue value={change.after} />
        </ins>
      ) : before ? (
        <span class="hint">{t('history.cleared')}</span>
      ) : null}
    </li>
  );
}

/** The fields an event entered or changed, with labels translated where a pack ships them. */
export function Changes({ changes }: { changes: FieldChange[] }) {
  if (!changes.length) return null;
  return (
    <ul class="ims-changes usa-list usa-list--unstyled">
      {changes.map((change) => (
        <Change key={change.key} change={change} />
      ))}
    </ul>
  );
}

/** Notices the engine repeats (a reminder every day an overdue task stays open): told once, then counted. */
const REPEATED = new Set(['task.notified', 'email.sent']);

/**
 * The events, each with its entry; a run of the same notice (same sentence, nothing else between) keeps its
 * first event and counts the rest, which stay listed by number under it.
 */
function grouped(reader: Reader, events: AuditEvent[], lookups: HistoryLookups, group: boolean): { event: AuditEvent; entry: HistoryEntry; repeats: AuditEvent[] }[] {
  const rows: { event: AuditEvent; entry: HistoryEntry; repeats: AuditEvent[]; text: string }[] = [];
  for (const event of events) {
    const entry = historyEntry(event, lookups);
    const text = sentenceText(reader, entry);
    const last = rows.at(-1);
    if (group && last && REPEATED.has(event.action) && last.event.action === event.action && last.text === text && !entry.reason && !entry.changes.length) last.repeats.push(event);
    else rows.push({ event, entry, repeats: [], text });
  }
  return rows;
}

function HistoryRow({ event, entry, repeats }: { event: AuditEvent; entry: HistoryEntry; repeats: AuditEvent[] }) {
  const reader = useReader();
  const { t } = reader;
  const last = repeats.at(-1);
  return (
    <tr>
      <td data-label={t('history.column.event')}>{event.seq}</td>
      <td data-label={t('history.column.when')}>
        <When iso={event.at} />
      </td>
      <td data-label={t('history.column.what')}>
        <p class="ims-sentence">{sentence(reader, entry)}</p>
        {entry.reason ? <p class="ims-reason">{t('history.reason', { reason: withTimes(reader, entry.reason) })}</p> : null}
        <Changes changes={entry.changes} />
        {last ? <p class="ims-reason">{reader.rich('history.repeated', { count: repeats.length, last: <When iso={last.at} /> })}</p> : null}
        <details class="ims-technical">
          <summary>{t('history.technical')}</summary>
          <p>
            <code>{event.action}</code> <code>{event.target}</code>
          </p>
          {repeats.length ? <p>{t('history.repeatedEvents', { events: repeats.map((e) => e.seq).join(', ') })}</p> : null}
        </details>
      </td>
    </tr>
  );
}

/** The events in a table named by `caption`, or "No events." */
export function HistoryTable({
  events,
  names,
  caption,
  lookups = {},
  group = false,
}: {
  events: AuditEvent[];
  names: Names;
  caption: string;
  lookups?: HistoryLookups;
  /** Count repeated notices under their first (a record's history); the audit trail lists every event. */
  group?: boolean;
}) {
  const reader = useReader();
  const { t } = reader;
  if (!events.length) return <p>{t('history.none')}</p>;
  const withNames: HistoryLookups = { personName: (id) => names.get(id), ...lookups };
  return (
    <div class="ims-table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="usa-table usa-table--compact usa-table--stacked ims-history">
        <caption class="usa-sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('history.column.seq')}</th>
            <th scope="col">{t('history.column.when')}</th>
            <th scope="col">{t('history.column.what')}</th>
          </tr>
        </thead>
        <tbody>
          {grouped(reader, events, withNames, group).map((row) => (
            <HistoryRow key={row.event.seq} event={row.event} entry={row.entry} repeats={row.repeats} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
