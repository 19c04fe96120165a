import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ProcessEngine } from '../process-engine.js';

const fileSchema = z.array(
  z
    .object({
      id: z.string(),
      processKey: z.string(),
      cron: z.string(),
      timezone: z.string().default('UTC'),
      variables: z.record(z.string(), z.unknown()).default({}),
      site: z.string().optional(),
      enabled: z.boolean().default(true),
    })
    .strict(),
);

/**
 * Makes the scheduled starts in the configuration file the ones in force: adds and updates them, and
 * removes schedules that came from the file earlier and are no longer in it. Schedules made through
 * the API are left alone.
 */
export async function applyConfiguredSchedules(imsflow: ProcessEngine, file: string, logger: Logger): Promise<void> {
  let entries: z.infer<typeof fileSchema>;
  try {
    entries = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`invalid configuration:\n  IMSFLOW_SCHEDULES (${file}): ${(err as Error).message}`, { cause: err });
  }
  const existing = new Map((await imsflow.store.listSchedules()).map((s) => [s.id, s]));
  for (const entry of entries) {
    const current = existing.get(entry.id);
    const same =
      current &&
      current.processKey === entry.processKey &&
      current.cron === entry.cron &&
      current.timezone === entry.timezone &&
      current.enabled === entry.enabled &&
      current.site === entry.site &&
      JSON.stringify(current.variables) === JSON.stringify(entry.variables);
    if (same) continue;
    await imsflow.saveSchedule({ ...entry, source: 'config' }, 'configuration');
    logger.info({ schedule: entry.id, cron: entry.cron, timezone: entry.timezone }, 'scheduled start configured');
  }
  const wanted = new Set(entries.map((e) => e.id));
  for (const schedule of existing.values()) {
    if (schedule.source === 'config' && !wanted.has(schedule.id)) await imsflow.deleteSchedule(schedule.id, 'configuration');
  }
}
