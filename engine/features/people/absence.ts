import { auditEvent } from '../../kernel/audit-event.js';
import { NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { INSTALLATION_DEFAULTS, readerSettingsOf } from '../../kernel/i18n/index.js';
import type { AuditInput, JobRecord, UserRecord } from '../../kernel/model.js';
import type { Absence } from '../../kernel/person-choices.js';
import type { FeatureContext } from '../context.js';

/**
 * Out of office: a person names a period (whole days on their clock) and a colleague who holds their tasks
 * meanwhile. The delegate must be active, of one of the person's sites and hold every role the person's
 * tasks may ask for (the person's roles, but admin), so a delegate never gets work they could not be given
 * directly. While the period runs the delegate's record lists the person in `standingInFor`: they see and
 * complete the person's assigned tasks (engine/features/access holdsTask) and get their notices; what they
 * complete or sign is theirs (separation of duties and signatures apply to them) and the trail names both.
 *
 * The period begins and ends by durable jobs (kind `absence`, ids with the instants), so it ends on time
 * after restarts; a period starting today begins when it is set. Every change is audited.
 */

/** Roles that are about administering the house, not about the tasks someone holds. */
const NOT_TASK_ROLES = new Set(['admin']);
/** The longest period one can set at once. */
const MAX_DAYS = 366;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The offset of a zone from UTC at an instant, in ms. */
function offsetOf(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** Midnight at the start of a calendar day on a zone's clock. */
export function startOfDay(ymd: string, timeZone: string): Date {
  const [y, m, d] = ymd.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let at = wall;
  for (let i = 0; i < 2; i += 1) at = wall - offsetOf(new Date(at), timeZone);
  return new Date(at);
}

function nextDay(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === value;
}

const absenceJob = (person: string, phase: 'start' | 'end', absence: Absence): JobRecord => {
  const at = phase === 'start' ? absence.from : absence.until;
  return { id: `absence-${phase}-${person}-${Date.parse(at)}`, kind: 'absence', runAt: at, status: 'scheduled', payload: { userId: person, phase, from: absence.from, until: absence.until }, attempts: 0 };
};

/** Why `delegate` cannot hold `person`'s tasks, naming what is missing; undefined when they can. */
function delegateProblem(person: UserRecord, delegate: UserRecord | undefined): string | undefined {
  if (!delegate || !delegate.active) return 'choose an active colleague';
  if (delegate.id === person.id) return 'choose someone other than yourself';
  const sites = person.sites ?? [];
  if (sites.length && !delegate.roles.includes('admin') && !sites.some((site) => delegate.sites?.includes(site))) return `${delegate.name} does not work at ${sites.join(' or ')}`;
  const missing = person.roles.filter((role) => !NOT_TASK_ROLES.has(role) && !delegate.roles.includes(role));
  if (missing.length) return `${delegate.name} does not hold the role${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that your tasks may need`;
  return undefined;
}

/** The people who may stand in for a person: active colleagues at their sites with the roles their tasks need. */
export async function possibleDelegates(ctx: FeatureContext, personId: string): Promise<UserRecord[]> {
  const person = await ctx.store.getUser(personId);
  if (!person) return [];
  return (await ctx.store.listUsers({ active: true })).filter((u) => !delegateProblem(person, u)).sort((a, b) => a.name.localeCompare(b.name));
}

/** Takes a delegation off the delegate's record (they no longer stand in for `personId`). */
async function releasedDelegate(ctx: FeatureContext, personId: string, absence: Absence | undefined): Promise<UserRecord[]> {
  if (!absence?.started) return [];
  const delegate = await ctx.store.getUser(absence.delegate);
  if (!delegate?.standingInFor?.includes(personId)) return [];
  const standingInFor = delegate.standingInFor.filter((id) => id !== personId);
  const { standingInFor: _old, ...rest } = delegate;
  return [{ ...rest, ...(standingInFor.length && { standingInFor }) }];
}

function taken(delegate: UserRecord, personId: string): UserRecord {
  return { ...delegate, standingInFor: [...new Set([...(delegate.standingInFor ?? []), personId])] };
}

const shown = (a: Absence | undefined) => a && { fromDay: a.fromDay, toDay: a.toDay, delegate: a.delegate };

/**
 * A person sets (or replaces) their out-of-office period and delegate: days YYYY-MM-DD on their clock, the
 * last day included. Refused with the field named: `from`, `to`, `delegate`.
 */
export async function setAbsence(ctx: FeatureContext, personId: string, input: { fromDay?: unknown; toDay?: unknown; delegate?: unknown }, actor: string): Promise<UserRecord> {
  if (actor !== personId) throw new NotPermittedError('a person sets only their own out-of-office period');
  const person = await ctx.store.getUser(personId);
  if (!person?.active) throw new NotFoundError(`no user ${personId}`);
  const { timeZone } = readerSettingsOf(person, ctx.readers ?? INSTALLATION_DEFAULTS);
  const now = ctx.clock.now();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const fromDay = typeof input.fromDay === 'string' ? input.fromDay.trim() : '';
  const toDay = typeof input.toDay === 'string' ? input.toDay.trim() : '';
  const fields: FieldError[] = [];
  if (!isDay(fromDay)) fields.push({ field: 'from', message: 'give the first day you are away (a date)' });
  if (!isDay(toDay)) fields.push({ field: 'to', message: 'give the last day you are away (a date)' });
  else if (toDay < today) fields.push({ field: 'to', message: 'the last day has passed' });
  else if (isDay(fromDay) && toDay < fromDay) fields.push({ field: 'to', message: 'the last day comes before the first' });
  else if (isDay(fromDay) && Date.parse(toDay) - Date.parse(fromDay) >= MAX_DAYS * 86_400_000) fields.push({ field: 'to', message: `a period is at most ${MAX_DAYS} days` });
  const delegate = typeof input.delegate === 'string' && input.delegate ? await ctx.store.getUser(input.delegate) : undefined;
  const problem = delegateProblem(person, delegate);
  if (problem) fields.push({ field: 'delegate', message: problem });
  if (fields.length) throw new ValidationError('the out-of-office period was not set', fields);

  const from = startOfDay(fromDay < today ? today : fromDay, timeZone);
  const absence: Absence = { fromDay, toDay, from: from.toISOString(), until: startOfDay(nextDay(toDay), timeZone).toISOString(), delegate: delegate!.id };
  const starts = from.getTime() <= now.getTime();
  if (starts) absence.started = true;
  const old = person.absence;
  const released = await releasedDelegate(ctx, personId, old);
  const delegateNow = released.find((u) => u.id === delegate!.id) ?? delegate!;
  const users: UserRecord[] = [{ ...person, absence }, ...released.filter((u) => u.id !== delegate!.id), ...(starts ? [taken(delegateNow, personId)] : released.filter((u) => u.id === delegate!.id))];
  const audit: AuditInput[] = [auditEvent(ctx.clock, { actor, action: 'user.out-of-office-set', target: `user:${personId}`, ...(old && { old: shown(old) }), new: { ...shown(absence), from: absence.from, until: absence.until } })];
  if (starts) audit.push(auditEvent(ctx.clock, { actor, action: 'user.out-of-office-started', target: `user:${personId}`, new: { delegate: absence.delegate, until: absence.until } }));
  await ctx.store.commit({
    users,
    cancelJobs: old ? [absenceJob(personId, 'start', old).id, absenceJob(personId, 'end', old).id] : [],
    scheduleJobs: [...(starts ? [] : [absenceJob(personId, 'start', absence)]), absenceJob(personId, 'end', absence)],
    audit,
  });
  return users[0];
}

/** A person ends their out-of-office period now (or cancels one not begun): their tasks are theirs alone again. */
export async function clearAbsence(ctx: FeatureContext, personId: string, actor: string): Promise<UserRecord> {
  if (actor !== personId) throw new NotPermittedError('a person ends only their own out-of-office period');
  const person = await ctx.store.getUser(personId);
  if (!person?.active) throw new NotFoundError(`no user ${personId}`);
  const old = person.absence;
  if (!old) return person;
  const { absence: _gone, ...back } = person;
  await ctx.store.commit({
    users: [back, ...(await releasedDelegate(ctx, personId, old))],
    cancelJobs: [absenceJob(personId, 'start', old).id, absenceJob(personId, 'end', old).id],
    audit: [auditEvent(ctx.clock, { actor, action: 'user.out-of-office-ended', target: `user:${personId}`, old: shown(old), reason: 'ended by the person' })],
  });
  return back;
}

/** The durable start or end of a period; a job of a period changed or ended meanwhile finds nothing to do. */
export async function handleAbsence(ctx: FeatureContext, job: JobRecord, workerId: string): Promise<'done' | 'stale'> {
  const personId = String(job.payload.userId);
  const person = await ctx.store.getUser(personId);
  const absence = person?.absence;
  const finishJob = { id: job.id, lockedBy: workerId };
  if (!person || !absence || absence.from !== job.payload.from || absence.until !== job.payload.until) {
    await ctx.store.commit({ finishJob, audit: [] });
    return 'stale';
  }
  if (job.payload.phase === 'start') {
    const delegate = await ctx.store.getUser(absence.delegate);
    const users: UserRecord[] = [{ ...person, absence: { ...absence, started: true } }, ...(delegate ? [taken(delegate, personId)] : [])];
    await ctx.store.commit({ users, finishJob, audit: [auditEvent(ctx.clock, { actor: 'system', action: 'user.out-of-office-started', target: `user:${personId}`, new: { delegate: absence.delegate, until: absence.until } })] });
    return 'done';
  }
  const { absence: _gone, ...back } = person;
  await ctx.store.commit({
    users: [back, ...(await releasedDelegate(ctx, personId, absence))],
    finishJob,
    audit: [auditEvent(ctx.clock, { actor: 'system', action: 'user.out-of-office-ended', target: `user:${personId}`, old: shown(absence), reason: 'the period ended' })],
  });
  return 'done';
}
