/**
 * Calendar days on the reader's clock. "Due this week" ends when Sunday ends where the reader is, not in
 * UTC; a new due date typed as a day is due when that day ends where the person typing it is. Intl gives
 * the zone's offset at an instant; a day's start is found from its UTC midnight and corrected once for the
 * offset there (twice, for a day that starts on a change to or from summer time).
 */

const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let found = formats.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, found);
  }
  return found;
}

/** The wall-clock date and time in a zone at an instant, as numbers. */
function wallClock(instant: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(format(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second) };
}

/** How far the zone's clock is ahead of UTC at an instant, in ms. */
export function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/** The day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayIn(instant: number, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** The instant a day (YYYY-MM-DD) starts in a zone. */
export function startOfDay(ymd: string, timeZone: string): number {
  const midnight = Date.parse(`${ymd}T00:00:00Z`);
  let start = midnight - offsetAt(midnight, timeZone);
  start = midnight - offsetAt(start, timeZone);
  return start;
}

function nextDay(ymd: string, days = 1): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** The last instant of a day in a zone (23:59:59.999 there). */
export function endOfDay(ymd: string, timeZone: string): number {
  return startOfDay(nextDay(ymd), timeZone) - 1;
}

/** When this week ends for the reader: the start of the Monday after the coming (or current) Sunday, their clock. */
export function endOfWeek(now: number, timeZone: string): number {
  const today = dayIn(now, timeZone);
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 is Sunday
  return startOfDay(nextDay(today, ((7 - weekday) % 7) + 1), timeZone);
}

/** The first day whose end, in the zone, is after an instant: the earliest day that extends a due time. */
export function firstDayAfter(instant: number, timeZone: string): string {
  const day = dayIn(instant, timeZone);
  return endOfDay(day, timeZone) > instant ? day : nextDay(day);
}

/** A day as typed (YYYY-MM-DD), and a real one. */
export function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}
