/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { escalationLevel, isOverdue } from '../../../engine/kernel/present/index.js';
import { useReader } from '../reader.js';

/**
 * Whether a task is late and how far it has been escalated, as tags beside it wherever a task or record is
 * shown (task list, task page, record page, dashboard lists): the same words and looks everywhere.
 */
export function TaskBadges({ task, now }: { task: Pick<TaskRecord, 'status' | 'dueAt' | 'escalationLevel'>; now: string | Date }) {
  const { t } = useReader();
  const level = escalationLevel(task);
  return (
    <>
      {isOverdue(task, now) ? <span class="usa-tag ims-tag--overdue badge overdue">{t('badges.overdue')}</span> : null}
      {level > 0 ? <span class={`usa-tag ims-tag--escalated-${Math.min(level, 3)} badge escalated`}>{t('badges.escalated', { level })}</span> : null}
    </>
  );
}
