import express, { type Request, type Response } from 'express';
import { verifyAuditChain } from '../../../engine/kernel/audit-chain.js';
import { packValueWords } from '../../../engine/kernel/field-types.js';
import { NotPermittedError, type FieldError } from '../../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import type { AuditEvent, UserRecord } from '../../../engine/kernel/model.js';
import { canSee, hasRole } from '../../auth.js';
import { AUDIT_ROLES, str } from '../basics.js';
import { directoryNames } from '../record/routes.js';
import { readerOf } from '../reader.js';
import { requireSignIn, viewerOf } from '../session.js';
import { sendCsv } from '../../csv.js';
import { sendAuditTrailPage, type AuditFilter } from '../audit-trail.js';

/**
 * The audit trail (/audit) for auditors, quality managers and admins: filtered by record or target,
 * user and dates, paged, with the hash chain's verification at the top; /audit.csv exports the
 * filtered events. Events of records of other sites are left out (admins see every site); events that
 * belong to no record (accounts, definitions, schedules) are shown to all who may read the trail.
 */

const PAGE_SIZE = 50;

export type { AuditFilter };

function readFilter(req: Request): { filter: AuditFilter; errors: FieldError[] } {
  const filter = { record: str(req.query.record).trim(), user: str(req.query.user).trim(), from: str(req.query.from).trim(), to: str(req.query.to).trim() };
  const errors: FieldError[] = [];
  const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
  if (filter.from && !isDate(filter.from)) errors.push({ field: 'from', message: 'Give the date as YYYY-MM-DD.' });
  if (filter.to && !isDate(filter.to)) errors.push({ field: 'to', message: 'Give the date as YYYY-MM-DD.' });
  if (!errors.length && filter.from && filter.to && filter.from > filter.to) errors.push({ field: 'to', message: 'The end date is before the start date.' });
  return { filter, errors };
}

/**
 * The events the person may read that match the filter, in trail order, and the chain's verification
 * (over the whole trail). Records' business keys and sites are read from their `instance.started` events.
 */
async function select(imsflow: ProcessEngine, user: UserRecord, filter: AuditFilter) {
  const all = await imsflow.queries.auditTrail({ limit: Number.MAX_SAFE_INTEGER });
  const verification = verifyAuditChain(all);
  const records = new Map<string, { businessKey?: string; site?: string }>();
  for (const event of all) {
    if (event.action === 'instance.started' && event.instanceId) {
      const details = (event.new ?? {}) as { businessKey?: unknown; site?: unknown };
      records.set(event.instanceId, { businessKey: typeof details.businessKey === 'string' ? details.businessKey : undefined, site: typeof details.site === 'string' ? details.site : undefined });
    }
  }
  const siteOf = async (instanceId: string) => {
    if (!records.has(instanceId)) {
      const instance = await imsflow.queries.findInstance(instanceId);
      records.set(instanceId, { businessKey: instance?.businessKey, site: instance?.site });
    }
    return records.get(instanceId)!;
  };
  const from = filter.from ? `${filter.from}T00:00:00.000Z` : '';
  const to = filter.to ? new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000).toISOString() : '';
  const q = filter.record;
  const matches: AuditEvent[] = [];
  for (const event of all) {
    if (filter.user && event.actor !== filter.user) continue;
    if (from && event.at < from) continue;
    if (to && event.at >= to) continue;
    const record = event.instanceId ? await siteOf(event.instanceId) : undefined;
    if (q && !(event.target === q || event.target.endsWith(`:${q}`) || event.instanceId === q || (record?.businessKey !== undefined && record.businessKey === q))) continue;
    if (event.instanceId && !canSee(user, { site: record?.site })) continue;
    matches.push(event);
  }
  return { events: matches, verification, total: all.length, businessKeyOf: (id: string | undefined) => (id ? records.get(id)?.businessKey : undefined) };
}

export function auditPages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();

  const allowed = (req: Request) => {
    const viewer = viewerOf(req);
    if (!hasRole(viewer.user, AUDIT_ROLES)) throw new NotPermittedError('the audit trail is for auditors, quality managers and administrators');
    return viewer;
  };

  router.get('/audit', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const { filter, errors } = readFilter(req);
    const { events, verification, total } = await select(imsflow, viewer.user, errors.length ? { record: '', user: '', from: '', to: '' } : filter);
    const shown = errors.length ? [] : events;
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Number.parseInt(str(req.query.page), 10) || 1));
    // Newest first.
    const slice = shown.slice().reverse().slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const names = await directoryNames(imsflow);
    // the tasks the page's events are about, so each sentence names its step
    const instanceIds = [...new Set(slice.filter((event) => event.target.startsWith('task:') && event.instanceId).map((event) => event.instanceId!))];
    const tasks = new Map((await Promise.all(instanceIds.map((instanceId) => imsflow.listTasks({ instanceId, limit: 1000 })))).flat().map((task) => [task.id, task]));

    sendAuditTrailPage(res, { viewer, filter, errors, verification, total, matching: shown.length, page, pages, events: slice, names, tasks, packValue: packValueWords(imsflow.fieldTypes, readerOf(res)) });
  });

  router.get('/audit.csv', requireSignIn, async (req: Request, res: Response) => {
    const viewer = allowed(req);
    const { filter, errors } = readFilter(req);
    if (errors.length) {
      res.status(400).type('text/plain').send(errors.map((x) => `${x.field}: ${x.message}`).join('\n'));
      return;
    }
    const { events, businessKeyOf } = await select(imsflow, viewer.user, filter);
    const stamp = imsflow.clock.now().toISOString().slice(0, 10);
    sendCsv(
      res,
      `audit-${stamp}.csv`,
      ['seq', 'at', 'actor', 'action', 'target', 'record', 'instanceId', 'reason', 'old', 'new', 'prevHash', 'hash'],
      events.map((event) => [event.seq, event.at, event.actor, event.action, event.target, businessKeyOf(event.instanceId), event.instanceId, event.reason, event.old, event.new, event.prevHash, event.hash]),
    );
  });

  return router;
}
