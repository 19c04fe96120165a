/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { AuditEvent } from '../../../engine/kernel/model.js';
import type { Names } from '../../ui/records.js';
import { When } from './Time.js';

/**
 * Audit events as a table, as components: the same columns as historyTable() in api/ui/records.ts (sequence,
 * when, who, what, details; stacked on a phone), so pages can move to components one at a time.
 */

const MAX_DETAIL = 4000;

function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

export { When };

/** A person by name with the id after it, or the id alone when the directory has no other name. */
export function Person({ names, id }: { names: Names; id: string | undefined }) {
  if (!id) return null;
  const name = names.get(id);
  return name && name !== id ? (
    <>
      {name} <span class="usa-hint">({id})</span>
    </>
  ) : (
    <>{id}</>
  );
}

/** The reason and the before/after of an audit event. */
export function AuditDetails({ event }: { event: AuditEvent }) {
  return (
    <>
      {event.reason ? (
        <p>
          <strong>Reason:</strong> {event.reason}
        </p>
      ) : null}
      {event.old !== undefined ? (
        <p>
          <strong>Before:</strong> <code>{compact(event.old)}</code>
        </p>
      ) : null}
      {event.new !== undefined ? (
        <p>
          <strong>After:</strong> <code>{compact(event.new)}</code>
        </p>
      ) : null}
    </>
  );
}

function HistoryRow({ event, names }: { event: AuditEvent; names: Names }) {
  return (
    <tr>
      <td data-label="Event">{event.seq}</td>
      <td data-label="When">
        <When iso={event.at} />
      </td>
      <td data-label="Who">
        <Person names={names} id={event.actor} />
      </td>
      <td data-label="What">
        <code>{event.action}</code>
        <br />
        <span class="usa-hint">{event.target}</span>
      </td>
      <td data-label="Details">
        <AuditDetails event={event} />
      </td>
    </tr>
  );
}

/**
 * The events in a region named by `caption`, or "No events.": a compact USWDS table that stacks into one
 * card per event on a phone (each cell labelled by data-label), scrolling sideways only if a value is wider.
 */
export function HistoryTable({ events, names, caption }: { events: AuditEvent[]; names: Names; caption: string }) {
  if (!events.length) return <p>No events.</p>;
  return (
    <div class="ims-table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="usa-table usa-table--compact usa-table--stacked ims-history">
        <caption class="usa-sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <HistoryRow key={event.seq} event={event} names={names} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
