import type { Imsflow } from '../engine/imsflow.js';
import type { JobHandlers } from '../engine/scheduler/scheduler.js';

/**
 * One handler per job kind. Each is idempotent: it finishes its job in the same commit as its effect,
 * so running it twice (after a crash, or by two workers) has the effect once. Handlers do not know
 * which runner (embedded scheduler or a queue worker) calls them.
 */
export function jobHandlers(imsflow: Imsflow): JobHandlers {
  return {
    /** A BPMN timer is due: resume the instance and let the timer fire. */
    timer: (job, workerId) => imsflow.fireTimer(job.id, workerId),
  };
}
