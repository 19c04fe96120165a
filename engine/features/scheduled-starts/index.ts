/** Scheduled starts: a process started on a cron schedule (one durable job per occurrence). */
export { deleteSchedule, saveSchedule, startScheduled } from './scheduled-starts.js';
export { cronProblem, nextOccurrence } from './occurrences.js';
