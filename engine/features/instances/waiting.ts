import type { JobRecord, TaskRecord } from '../../kernel/model.js';

/**
 * What a record waits on: its scheduled timers, task reminders, escalations and emails, soonest first, as
 * a person reads them (what is due, about which step, for whom), never the job's payload.
 */
export interface PendingJob {
  kind: 'timer' | 'reminder' | 'due' | 'overdue' | 'notice' | 'escalation' | 'email';
  /** When it is due to run. */
  dueAt: string;
  /** The BPMN element: the timer's, or the step of the task it is about. */
  elementId?: string;
  /** The task it is about, and that task's name. */
  taskId?: string;
  taskName?: string;
  /** Whom the task's notices go to: its holder, or the role offered it. */
  assignee?: string;
  candidateRole?: string;
  /** An escalation's step in the chain (1 = first). */
  level?: number;
}

const NOTICES = new Set(['reminder', 'due', 'overdue']);

export function pendingJobs(jobs: JobRecord[], tasks: TaskRecord[]): PendingJob[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return jobs
    .filter((j) => j.status === 'scheduled')
    .flatMap((job): PendingJob[] => {
      const taskId = typeof job.payload.taskId === 'string' ? job.payload.taskId : undefined;
      const task = taskId ? byId.get(taskId) : undefined;
      const about: Partial<PendingJob> = task
        ? { taskId: task.id, taskName: task.name, elementId: task.elementId, ...(task.assignee ? { assignee: task.assignee } : task.candidateRole ? { candidateRole: task.candidateRole } : {}) }
        : {};
      switch (job.kind) {
        case 'timer':
          return [{ kind: 'timer', dueAt: job.runAt, ...(typeof job.payload.elementId === 'string' && { elementId: job.payload.elementId }) }];
        case 'notify': {
          const notice = String(job.payload.notice);
          return [{ kind: NOTICES.has(notice) ? (notice as PendingJob['kind']) : 'notice', dueAt: job.runAt, ...about }];
        }
        case 'escalation':
          return [{ kind: 'escalation', dueAt: job.runAt, ...about, ...(typeof job.payload.level === 'number' && { level: job.payload.level }) }];
        case 'email':
          return [{ kind: 'email', dueAt: job.runAt, ...about }];
        default:
          return [];
      }
    })
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}
