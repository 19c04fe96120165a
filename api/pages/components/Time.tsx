/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { useReader } from '../reader.js';

/**
 * Times as the reader reads them. An instant (a stored ISO timestamp) is shown on the reader's clock, in
 * their locale ("9 May 2026, 09:00"); the machine value stays in `datetime`. A calendar date (a due date
 * typed as YYYY-MM-DD) is the same day everywhere, so it is never moved between zones.
 */
export function When({ iso }: { iso: string | undefined }) {
  const { dateTime } = useReader();
  return iso ? <time datetime={iso}>{dateTime(iso)}</time> : null;
}

export function Day({ iso }: { iso: string | undefined }) {
  const { day } = useReader();
  return iso ? <time datetime={iso}>{day(iso)}</time> : null;
}

export function CalendarDate({ ymd }: { ymd: string | undefined }) {
  const { calendarDate } = useReader();
  return ymd ? <time datetime={ymd}>{calendarDate(ymd)}</time> : null;
}

/** "Times are in Central European Time": once per page that shows times, so no one guesses the zone. */
export function ZoneNote() {
  const { t, zoneName } = useReader();
  return <p class="hint">{t('time.zoneNote', { zone: zoneName() })}</p>;
}
