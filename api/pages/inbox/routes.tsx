/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express from 'express';
import type { InboxItem } from '../../../engine/features/inbox/index.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import type { Reader } from '../../../engine/kernel/i18n/index.js';
import { requireSignIn, viewerOf } from '../session.js';
import { readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { catalogueOf } from '../tasks/view.js';
import { processName, stepName } from '../task-form/words.js';
import { InboxPage, type InboxEntry } from './InboxPage.js';

/** The inbox page (/inbox): what waits on the signed-in person (engine/features/inbox), in their words. */
export function inboxPages(imsflow: ProcessEngine, titleFields: Record<string, string[]> = {}): express.Router {
  const router = express.Router();
  router.get('/inbox', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const reader = readerOf(res);
    const catalogue = catalogueOf(res);
    const [items, definitions] = await Promise.all([imsflow.queries.inbox(viewer.user, { titleFields }), imsflow.listDefinitions()]);
    const authored = new Map(definitions.map((d) => [d.key, d.name]));
    const entries = items.map((item): InboxEntry => {
      const process = processName(reader, item.processKey, item.kind === 'review' || item.kind === 'publish' ? item.title : authored.get(item.processKey));
      const step = item.elementId ? stepName(reader, catalogue, { definitionKey: item.processKey, elementId: item.elementId, name: item.step ?? '' }) : '';
      return { item, process, action: actionOf(reader, item, step, process) };
    });
    sendDocument(res, 200, <InboxPage state={{ viewer, now: imsflow.clock.now().toISOString(), entries }} />);
  });
  return router;
}

/** What the link says: the step to do, or the change to sign or publish, or the request to decide. */
function actionOf({ t }: Reader, item: InboxItem, step: string, process: string): string {
  switch (item.kind) {
    case 'task':
      return item.ask === 'claim' ? t('inbox.action.claim', { step }) : step;
    case 'review':
      return t('inbox.action.sign', { process });
    case 'publish':
      return t('inbox.action.publish', { process });
    case 'extension':
      return t('inbox.action.decide', { step });
  }
}
