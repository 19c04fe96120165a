import express, { type Request, type Response } from 'express';
import { verifyAuditChain } from '../../engine/kernel/audit-chain.js';
import { NotPermittedError, type FieldError } from '../../engine/kernel/errors.js';
import type { ProcessEngine } from '../../engine/process-engine.js';
import type { AuditEvent, UserRecord } from '../../engine/kernel/model.js';
import { canSee, hasRole } from '../auth.js';
import { AUDIT_ROLES, e, notice, plural, sendPage, str } from './html.js';
import { directoryNames, historyTable } from './records.js';
import { requireSignIn, viewerOf } from './session.js';
import { sendCsv } from '../csv.js';

/**
 * The audit trail (/audit) for auditors, quality managers and admins: filtered by record or target,
 * user and dates, paged, with the hash chain's verification at the top; /audit.csv exports the
 * filtered events. Events of records of other sites are left out (admins see every site); events that
 * belong to no record (accounts, definitions, schedules) are shown to all who may read the trail.
 */

const PAGE_SIZE = 50;

export interface AuditFilter {
  record: string;
  user: string;
  from: string;
  to: string;
}

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

    const query = (extra: Record<string, string>) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v) params.set(k, v);
      return params.toString();
    };
    const chain = verification.ok
      ? notice('status', `<p><strong>Audit trail verified:</strong> the hash chain of all ${plural(verification.checked, 'event')} is intact.</p>`)
      : notice('alert', `<p><strong>The audit trail is broken at event ${e(verification.brokenAt?.seq)}:</strong> ${e(verification.brokenAt?.reason)}. ${plural(verification.checked, 'event')} before it check out. Tell the administrator and keep the database as it is.</p>`);
    const input = (name: keyof AuditFilter, label: string, type: string, hint = '') => {
      const error = errors.find((x) => x.field === name)?.message;
      const ids = [error ? `audit-${name}-error` : '', hint ? `audit-${name}-hint` : ''].filter(Boolean).join(' ');
      return `<div class="field"><label for="audit-${name}">${label}</label>${hint ? `<p class="hint" id="audit-${name}-hint">${hint}</p>` : ''}${
        error ? `<span class="error" id="audit-${name}-error">${e(error)}</span>` : ''
      }<input type="${type}" id="audit-${name}" name="${name}" value="${e(filter[name])}"${error ? ' aria-invalid="true"' : ''}${ids ? ` aria-describedby="${ids}"` : ''}></div>`;
    };
    const filters = `<form method="get" action="/audit"><fieldset><legend>Filter</legend><div class="filters">
${input('record', 'Record or target', 'text', 'A business key (NC-2026-0001), an id, or a target such as task:… or user:…')}
${input('user', 'User (id)', 'text')}
${input('from', 'From (date, UTC)', 'date')}
${input('to', 'To (date, UTC, inclusive)', 'date')}
</div><p><button type="submit">Apply</button> <a href="/audit">Clear filters</a></p></fieldset></form>`;
    const summary = errors.length
      ? `<div class="notice bad" role="alert"><p>Please correct ${plural(errors.length, 'field')}.</p><ul>${errors.map((x) => `<li><a href="#audit-${e(x.field)}">${e(x.message)}</a></li>`).join('')}</ul></div>`
      : `<p role="status">${plural(shown.length, 'event')} match${shown.length === 1 ? 'es' : ''} (of ${total} in the trail)${shown.length ? `; page ${page} of ${pages}, newest first` : ''}. <a href="/audit.csv${query({}) ? `?${query({})}` : ''}">Download these events as CSV</a></p>`;
    const pager =
      pages > 1
        ? `<nav class="pager" aria-label="Pages">${page > 1 ? `<a href="/audit?${query({ page: String(page - 1) })}" rel="prev">Newer events</a>` : '<span></span>'}${
            page < pages ? `<a href="/audit?${query({ page: String(page + 1) })}" rel="next">Older events</a>` : ''
          }</nav>`
        : '';
    sendPage(res, errors.length ? 400 : 200, {
      title: 'Audit trail',
      viewer,
      current: 'audit',
      body: `${chain}${summary}${filters}${slice.length ? historyTable(slice, names, 'Audit events') : ''}${pager}`,
    });
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
