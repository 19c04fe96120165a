import { auditEvent } from '../../kernel/audit-event.js';
import { checkVariables } from '../../kernel/input-checks.js';
import { NotFoundError, ValidationError, type FieldError } from '../../kernel/errors.js';
import type { JobRecord, ScheduleRecord } from '../../kernel/model.js';
import { cronProblem, nextOccurrence, occurrenceJob } from './occurrences.js';
import type { FeatureContext } from '../context.js';

// Scheduled starts: a process started on a cron rule, each occurrence planned by the one before.

export async function saveSchedule(
  ctx: FeatureContext,
  input: { id: string; processKey: string; cron: string; timezone?: string; variables?: Record<string, unknown>; site?: string; enabled?: boolean; source?: ScheduleRecord['source'] },
  actor: string,
): Promise<ScheduleRecord> {
  const timezone = input.timezone ?? 'UTC';
  const fields: FieldError[] = [];
  if (typeof input.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(input.id)) fields.push({ field: 'id', message: 'use lower-case letters, digits and "-"' });
  const cron = cronProblem(input.cron, timezone);
  if (cron) fields.push({ field: cron.startsWith('time zone') ? 'timezone' : 'cron', message: cron });
  if (input.site !== undefined && (typeof input.site !== 'string' || !/^[\w.-]{1,64}$/.test(input.site))) fields.push({ field: 'site', message: 'a site is a name of 1–64 letters, digits, ".", "_" or "-"' });
  if (fields.length) throw new ValidationError('invalid schedule', fields);
  checkVariables(input.variables ?? {});
  await ctx.getDefinition(input.processKey);
  return ctx.withRetry(async () => {
    const existing = await ctx.store.getSchedule(input.id);
    const record: ScheduleRecord = {
      id: input.id,
      processKey: input.processKey,
      cron: input.cron,
      timezone,
      variables: input.variables ?? {},
      ...(input.site && { site: input.site }),
      enabled: input.enabled ?? true,
      createdAt: existing?.createdAt ?? ctx.now(),
      createdBy: existing?.createdBy ?? actor,
      source: input.source ?? 'api',
      revision: (existing?.revision ?? -1) + 1,
    };
    const pending = (await ctx.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start' && j.payload.scheduleId === record.id);
    await ctx.store.commit({
      schedules: [{ record, expectedRevision: existing ? existing.revision : null }],
      cancelJobs: pending.map((j) => j.id),
      scheduleJobs: record.enabled ? [occurrenceJob(record, nextOccurrence(record, ctx.clock.now()))] : [],
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: existing ? 'schedule.updated' : 'schedule.created',
          target: `schedule:${record.id}`,
          old: existing && { processKey: existing.processKey, cron: existing.cron, timezone: existing.timezone, site: existing.site, enabled: existing.enabled },
          new: { processKey: record.processKey, cron: record.cron, timezone: record.timezone, site: record.site, enabled: record.enabled, variables: record.variables },
        }),
      ],
    });
    return record;
  });
}

export async function deleteSchedule(ctx: FeatureContext, id: string, actor: string): Promise<void> {
  const existing = await ctx.store.getSchedule(id);
  if (!existing) throw new NotFoundError(`no schedule ${id}`);
  const pending = (await ctx.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start' && j.payload.scheduleId === id);
  await ctx.store.commit({
    deleteSchedules: [id],
    cancelJobs: pending.map((j) => j.id),
    audit: [auditEvent(ctx.clock, { actor, action: 'schedule.deleted', target: `schedule:${id}`, old: { processKey: existing.processKey, cron: existing.cron, timezone: existing.timezone, site: existing.site, enabled: existing.enabled } })],
  });
}

/** Runs one occurrence: starts the instance and plans the next occurrence in the same commit. */
export async function startScheduled(ctx: FeatureContext, job: JobRecord, workerId: string): Promise<'started' | 'stale'> {
  const schedule = await ctx.store.getSchedule(String(job.payload.scheduleId));
  const finishJob = { id: job.id, lockedBy: workerId };
  if (!schedule || !schedule.enabled || schedule.revision !== job.payload.revision) {
    await ctx.store.commit({ finishJob, audit: [] });
    return 'stale';
  }
  const next = occurrenceJob(schedule, nextOccurrence(schedule, new Date(Math.max(Date.parse(job.runAt) + 1000, ctx.clock.now().getTime()))));
  await ctx.start(schedule.processKey, { variables: { ...schedule.variables, scheduledFor: job.runAt }, ...(schedule.site && { site: schedule.site }) }, `schedule:${schedule.id}`, { finishJob, scheduleJobs: [next] });
  return 'started';
}
