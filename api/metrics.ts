import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Queries } from '../engine/queries/index.js';

/**
 * Prometheus metrics of one API process (prom-client, one registry per server so tests can run several).
 * Request latency is measured per request; the business figures (records, tasks, jobs, outbox) are read
 * from the engine's counts query (and from BullMQ in Redis mode) when Prometheus scrapes, with one grouped count query
 * each, so every API replica reports the same installation-wide figures.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly instances: Gauge<'status'>;
  private readonly instancesStarted: Gauge;
  private readonly tasksOpen: Gauge;
  private readonly tasksOverdue: Gauge;
  private readonly jobs: Gauge<'queue' | 'state'>;
  private readonly outbox: Gauge<'status'>;
  private readonly outboxBacklog: Gauge;

  constructor(
    private readonly sources: {
      /** The engine's monitoring counts (installation-wide, read at each scrape). */
      figures: Pick<Queries, 'counts'>;
      /** Redis mode: the BullMQ queues whose counts are reported; embedded: the store's job rows. */
      queues?: Queue[];
    },
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'imsflow_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.instances = new Gauge({ name: 'imsflow_instances', help: 'Records (process instances) by status, from the store', labelNames: ['status'], registers });
    this.instancesStarted = new Gauge({ name: 'imsflow_instances_started', help: 'Records ever started (every status), from the store', registers });
    this.tasksOpen = new Gauge({ name: 'imsflow_tasks_open', help: 'Open tasks', registers });
    this.tasksOverdue = new Gauge({ name: 'imsflow_tasks_overdue', help: 'Open tasks past their due date', registers });
    this.jobs = new Gauge({
      name: 'imsflow_jobs',
      help: 'Durable jobs (timers, reminders, escalations, emails, scheduled starts) by queue and state: BullMQ counts in Redis mode, store rows on the embedded scheduler (queue="embedded")',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.outbox = new Gauge({ name: 'imsflow_outbox_messages', help: 'Notification emails by status', labelNames: ['status'], registers });
    this.outboxBacklog = new Gauge({ name: 'imsflow_outbox_backlog', help: 'Emails not delivered yet: queued, or failed and being retried', registers });
  }

  /** Express middleware timing each request, labelled by its route pattern (never the raw path: ids would explode the series). */
  timeRequests() {
    return (req: Request, res: Response, next: NextFunction) => {
      const stop = this.requestDuration.startTimer();
      res.once('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        stop({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** Reads the store (and queue) figures into the gauges; called before each scrape. */
  async refresh(): Promise<void> {
    const queues = this.sources.queues ?? [];
    const [counts, queueCounts] = await Promise.all([
      this.sources.figures.counts(),
      Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed', 'prioritized'))),
    ]);
    for (const [status, n] of Object.entries(counts.instances)) this.instances.set({ status }, n);
    this.instancesStarted.set(Object.values(counts.instances).reduce((a, b) => a + b, 0));
    this.tasksOpen.set(counts.tasksOpen);
    this.tasksOverdue.set(counts.tasksOverdue);
    for (const [status, n] of Object.entries(counts.messages)) this.outbox.set({ status }, n);
    this.outboxBacklog.set(counts.messages.queued + counts.messages.failed);
    // reset and set with no await between: a scrape running alongside never sees the job gauges empty
    this.jobs.reset();
    if (queues.length) {
      for (const [index, queue] of queues.entries()) for (const [state, n] of Object.entries(queueCounts[index])) this.jobs.set({ queue: queue.name, state }, n);
    } else {
      const { waiting, delayed, running, failed } = counts.jobs;
      for (const [state, n] of Object.entries({ waiting, delayed, active: running, failed })) this.jobs.set({ queue: 'embedded', state }, n);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.refresh();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
