import type { ProcessEngine } from '../engine/process-engine.js';
import { principalOf } from './auth.js';
import type { RouteRegistry } from './openapi.js';

/**
 * GET /api/inbox (issue 16): what waits on the caller, in one list (engine/features/inbox): tasks they
 * hold or may claim, changes they may sign or publish, extension requests they may decide; each with its
 * title, what is asked, since when, its due date and whether it is overdue, and the page where they act.
 */
export function inboxRoutes(routes: RouteRegistry, { imsflow, titleFields }: { imsflow: ProcessEngine; titleFields?: Record<string, string[]> }): void {
  routes.add(
    {
      method: 'get',
      path: '/inbox',
      summary: 'What waits on you: tasks (complete or claim), changes to sign or publish, extension requests to decide; overdue first, then by due date, then oldest',
      tag: 'tasks',
      access: 'signed-in',
      responses: { 200: '{items: [{kind, ask, title, step, since, dueAt, overdue, link, taskId, draftId, requestId, from: {id, name}, …}], count}' },
    },
    async (req, res) => {
      const items = await imsflow.queries.inbox(principalOf(req).user, { titleFields });
      res.json({ items, count: items.length });
    },
  );
}
