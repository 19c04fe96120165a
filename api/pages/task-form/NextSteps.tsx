/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { TaskRecord } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';
import { roleName } from './words.js';

/** What happens after a task is completed: the record's state and its open steps, whom they are for, when due. */
export interface NextSteps {
  status: string | undefined;
  steps: { task: TaskRecord; holder?: string }[];
}

export async function nextSteps(imsflow: ProcessEngine, task: TaskRecord): Promise<NextSteps> {
  const instance = await imsflow.queries.findInstance(task.instanceId);
  const open = instance?.status === 'running' ? await imsflow.listTasks({ instanceId: task.instanceId, status: 'open', limit: 100 }) : [];
  const steps = await Promise.all(open.map(async (t) => ({ task: t, ...(t.assignee && { holder: (await imsflow.queries.findPerson(t.assignee))?.name ?? t.assignee }) })));
  return { status: instance?.status, steps };
}

export function NextStepsPart({ next, stepName }: { next: NextSteps; stepName: (task: TaskRecord) => string }) {
  const reader = useReader();
  const { t, rich } = reader;
  const sentence = next.status === 'completed' ? 'completed' : next.status === 'incident' ? 'incident' : next.status === 'cancelled' ? 'cancelled' : 'running';
  return (
    <>
      <p>{t(`taskForm.next.${sentence}`)}</p>
      {next.steps.length ? (
        <>
          <h2>{t('taskForm.next.heading')}</h2>
          <ul class="usa-list">
            {next.steps.map(({ task, holder }) => {
              const who = holder ?? (task.candidateRole ? t('taskForm.next.role', { role: roleName(reader, task.candidateRole) }) : t('taskForm.next.nobody'));
              return <li key={task.id}>{task.dueAt ? rich('taskForm.next.stepDue', { step: stepName(task), who, when: <When iso={task.dueAt} /> }) : t('taskForm.next.step', { step: stepName(task), who })}</li>;
            })}
          </ul>
        </>
      ) : null}
    </>
  );
}
