import { getDate, ISOInterval, parseDuration } from '@0dep/piso';

/**
 * ISO 8601 durations, dates and repeating intervals, parsed by @0dep/piso: the same parser bpmn-engine
 * uses for timers, so what validation accepts is exactly what the engine can run.
 */

/** Adds an ISO 8601 duration (P30D, PT4H, P1Y2M) to a date, calendar-aware. */
export function addDuration(iso: string, from: Date): Date {
  return parseDuration(iso).getExpireAt(from);
}

/** A value as quoted in a refusal: long ones shortened, so a message never echoes megabytes back. */
function quoted(value: string): string {
  return value.length > 80 ? `"${value.slice(0, 80)}…" (${value.length} characters)` : `"${value}"`;
}

/** The date library's own reason, which quotes the text up to the fault, shortened the same way. */
function reason(err: unknown): string {
  const message = (err as Error).message;
  return message.length > 160 ? `${message.slice(0, 160)}…` : message;
}

/**
 * A task's due date from its `ims:due` as resolved: a duration counted from `now`, a date (due at the end
 * of that day, UTC) or a date and time. Undefined for anything else (an expression that found no value).
 */
export function dueFrom(value: unknown, now: Date): Date | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const text = value.trim();
  if (text.startsWith('P')) return durationProblem(text) ? undefined : addDuration(text, now);
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59.999Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** Returns why a duration is invalid, or null. Zero and negative durations are invalid here. */
export function durationProblem(iso: string): string | null {
  try {
    const start = new Date('2026-01-01T00:00:00Z');
    const end = addDuration(iso, start);
    if (!(end.getTime() > start.getTime())) return `${quoted(iso)} is not a positive duration`;
    return null;
  } catch (err) {
    return `${quoted(iso)} is not an ISO 8601 duration such as P14D or PT4H (${reason(err)})`;
  }
}

/** Faster cycles make no sense for management-system work and would flood the scheduler. */
const MIN_CYCLE_MS = 60_000;
const CYCLE = /^R(\d*)\/(P[^/]+)$/;

/**
 * Returns why a timer value is refused, or null. Stricter than ISO 8601 on purpose: cycles are
 * `R[n]/duration` only (a start date far in the past with a tiny period makes the date library loop for
 * hours), with a period of at least a minute, and durations must be plain positive durations.
 * Checked at deployment and again when an expression-valued timer resolves at run time.
 */
export function timerProblem(kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string): string | null {
  try {
    if (kind === 'timeDuration') {
      if (!value.startsWith('P')) return `${quoted(value)} is not an ISO 8601 duration such as P14D or PT4H`;
      return durationProblem(value);
    }
    if (kind === 'timeDate') {
      const date = getDate(value);
      return Number.isNaN(date.getTime()) ? `${quoted(value)} is not an ISO 8601 date` : null;
    }
    const cycle = CYCLE.exec(value);
    if (!cycle) return `${quoted(value)} is not a timer cycle such as R3/P1D or R/P7D (repetitions and a duration only)`;
    if (cycle[1] === '0') return `${quoted(value)} repeats zero times`;
    const problem = durationProblem(cycle[2]);
    if (problem) return problem;
    const start = new Date('2026-01-01T00:00:00Z');
    if (addDuration(cycle[2], start).getTime() - start.getTime() < MIN_CYCLE_MS) return `${quoted(value)} repeats more often than once a minute`;
    return null;
  } catch (err) {
    return `${quoted(value)} is not a valid ISO 8601 ${kind === 'timeDate' ? 'date' : kind === 'timeCycle' ? 'cycle' : 'duration'} (${reason(err)})`;
  }
}

/**
 * When a BPMN timer is due, computed the way bpmn-engine computes it but from our clock (the engine
 * reads the wall clock, which tests replace).
 */
export function timerDueAt(kind: string, value: string, now: Date): Date {
  if (kind === 'timeDate') return getDate(value);
  return new ISOInterval(value).parse().getExpireAt(now, now);
}
