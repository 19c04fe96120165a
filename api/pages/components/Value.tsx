/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Shown } from '../../../engine/kernel/present/index.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { useReader } from '../reader.js';
import { CalendarDate, When } from './Time.js';

/**
 * A value as a person reads it (engine/kernel/present/values.ts decides what it is; this says it in the
 * reader's words and formats): dates on the reader's clock, people by name, yes/no, options by label,
 * files as downloads, lists, nested facts and tables. Never JSON.
 */

/** Words for statuses, checklist results and roles: a message when there is one, else the word as stored. */
export function optionWord(reader: Reader, field: string | undefined, value: string, label: string): string {
  if (field === 'status') return reader.t('values.status', { status: value });
  if (field === 'role') return roleWords(reader, value);
  return label;
}

/** A role as people say it: "the quality managers". */
export function roleWords(reader: Reader, role: string): string {
  return reader.t('values.role', { role: role.replace(/[^A-Za-z0-9]+/g, '_'), label: role });
}

/** A file's size in words: "612 bytes", "12.5 KB", "3.1 MB". */
function size(reader: Reader, bytes: number): string {
  if (bytes < 1024) return reader.t('values.bytes', { count: bytes });
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'kilobyte'] : [bytes / 1024 / 1024, 'megabyte'];
  return reader.number(value, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 });
}

/** A value as one line of plain text, for a message argument ("severity major", "9 May 2026"). */
export function plainText(reader: Reader, value: Shown): string {
  switch (value.kind) {
    case 'empty':
      return reader.t('values.empty');
    case 'text':
      return value.text;
    case 'number':
      return reader.number(value.value);
    case 'yesNo':
      return reader.t(value.value ? 'values.yes' : 'values.no');
    case 'instant':
      return reader.dateTime(value.iso);
    case 'date':
      return reader.calendarDate(value.ymd);
    case 'person':
      if (value.onBehalfOf) return reader.t('values.personFor', { delegate: value.name ?? value.id, holder: value.onBehalfOf.name ?? value.onBehalfOf.id });
      if (value.id === 'system' && !value.name) return reader.t('values.system');
      // a record started on a public intake page (api/pages/intake/): anonymous, from that site
      if (value.id.startsWith('intake:') && !value.name) return reader.t('values.intake', { site: value.id.slice('intake:'.length) });
      return value.name ?? value.id;
    case 'option':
      return optionWord(reader, value.field, value.value, value.label);
    case 'file':
      return value.name;
    case 'clause':
      return value.text ?? value.id;
    case 'result':
      return reader.t('values.result', { result: value.value });
    case 'list':
      return value.items.map((item) => plainText(reader, item)).join(', ');
    case 'facts':
      return value.entries.map((entry) => `${entry.label}: ${plainText(reader, entry.value)}`).join('; ');
    case 'table':
      return value.rows.map((row) => row.map((cell) => plainText(reader, cell)).join(', ')).join('; ');
  }
}

export function ShownValue({ value }: { value: Shown }) {
  const reader = useReader();
  const { t } = reader;
  switch (value.kind) {
    case 'empty':
      return <span class="hint">{t('values.empty')}</span>;
    case 'text':
      return value.long ? <span class="pre">{value.text}</span> : <>{value.text}</>;
    case 'instant':
      return <When iso={value.iso} />;
    case 'date':
      return <CalendarDate ymd={value.ymd} />;
    case 'file':
      return (
        <>
          {value.sha256 ? (
            <a href={`/attachments/${value.sha256}`} download>
              {value.name}
            </a>
          ) : (
            value.name
          )}
          {value.size !== undefined || value.contentType ? <span class="hint"> ({[value.size !== undefined ? size(reader, value.size) : '', value.contentType ?? ''].filter(Boolean).join(', ')})</span> : null}
        </>
      );
    case 'clause':
      return value.text ? (
        <>{value.text}</>
      ) : (
        <>
          {value.id} <span class="hint">{t('values.clauseUnknown')}</span>
        </>
      );
    case 'list':
      if (value.items.every((item) => !['facts', 'table', 'list'].includes(item.kind)) && value.items.every((item) => item.kind !== 'clause')) {
        return (
          <>
            {value.items.map((item) => plainText(reader, item)).join(', ')}
            {value.more ? <span class="hint"> {t('values.more', { count: value.more })}</span> : null}
          </>
        );
      }
      return (
        <ul class="values">
          {value.items.map((item, i) => (
            <li key={i}>
              <ShownValue value={item} />
            </li>
          ))}
          {value.more ? <li class="hint">{t('values.more', { count: value.more })}</li> : null}
        </ul>
      );
    case 'facts':
      return <Facts entries={value.entries} />;
    case 'table':
      return <ValueTable value={value} />;
    default:
      return <>{plainText(reader, value)}</>;
  }
}

/** A value with structure of its own (a table, facts, a list of those) takes the whole width under its label. */
function isWide(value: Shown): boolean {
  return value.kind === 'table' || value.kind === 'facts' || (value.kind === 'list' && value.items.some(isWide));
}

/** Facts (name, value) as a description list, one under the other: labels never squeeze their values. */
export function Facts({ entries, class: extra }: { entries: { key: string; label: string; value: Shown }[]; class?: string }) {
  return (
    <dl class={`ims-factlist${extra ? ` ${extra}` : ''}`}>
      {entries.map((entry) => (
        <div class={isWide(entry.value) ? 'ims-fact ims-fact--wide' : 'ims-fact'} key={entry.key}>
          <dt>{entry.label}</dt>
          <dd>
            <ShownValue value={entry.value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A table value: headers from the columns' labels, stacked on a phone. */
export function ValueTable({ value, caption }: { value: Extract<Shown, { kind: 'table' }>; caption?: string }) {
  const { t } = useReader();
  const labels = value.columns.map((column) => (column.key.startsWith('checklist.') ? t(`values.${column.key}`) : column.label));
  // a table with no rows says so in its caption alone ("no earlier review is recorded")
  if (!value.rows.length) return caption ? <p class="ims-table-empty">{caption}</p> : <span class="hint">{t('values.empty')}</span>;
  return (
    <div class="ims-table-scroll">
      <table class="usa-table usa-table--compact usa-table--stacked ims-value-table">
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {labels.map((label, i) => (
              <th scope="col" key={value.columns[i]!.key}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {value.rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j} data-label={labels[j]}>
                  <ShownValue value={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {value.more ? <p class="hint">{t('values.more', { count: value.more })}</p> : null}
    </div>
  );
}
