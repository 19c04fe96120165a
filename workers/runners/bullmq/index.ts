/** The BullMQ runner (scale mode): relay, processor and reconciliation; see runner.ts. */
export { BullmqRunner, bullmqRelay, bullmqWorkers, startBullmqRelay, startBullmqWorker, type BullmqRunnerOptions } from './runner.js';
export { bullmqJobId, EMAIL_QUEUE, MAIN_QUEUE, redisProblem, type QueuedJobData, type QueuedJobResult } from './queues.js';
