import type { Catalogue } from '../../engine/features/catalogue/index.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { iterationLabel } from '../pages/task-form/clauses.js';
import { e } from './html.js';

/**
 * The task form moved to components (api/pages/task-form/). What the record page (api/ui/records.ts) still
 * reads from here stays until that page is built from components too: then delete this file.
 */
export { CHECKLIST_LABELS, clauseCatalogue, clauseText, iterationLabel, standardsText } from '../pages/task-form/clauses.js';

/** For an iteration of a multi-instance task: which element (clause, action) it is for, as a line of HTML. */
export function iterationLine(task: Pick<TaskRecord, 'iteration'>, catalogue?: Catalogue): string {
  if (!task.iteration) return '';
  const label = iterationLabel(task.iteration.item, catalogue);
  return label ? `<p class="iteration"><strong>For:</strong> ${e(label)}</p>` : '';
}
