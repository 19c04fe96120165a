import type { Request } from 'express';
import { z } from 'zod';
import type { Accounts } from '../engine/features/accounts/index.js';
import { NotPermittedError, ValidationError } from '../engine/kernel/errors.js';
import type { ProcessEngine } from '../engine/process-engine.js';
import { PUBLISHERS, REVIEWERS, WITHDRAWERS } from '../engine/features/change-control/index.js';
import { ROLES, type DraftRecord, type DraftStatus, type Role } from '../engine/kernel/model.js';
import { canSee, OVERSEERS, principalOf, visibleSites } from './auth.js';
import type { RouteRegistry } from './openapi.js';
import { reauthenticateSigner, signatureComponents } from './signing.js';
import { withProblemsFor } from './http/problems.js';
import { readerOf } from './pages/reader.js';

/** Who edits, submits and publishes changes; who reviews them (never one who edited the draft); who reads drafts. */
export const EDITORS: readonly Role[] = ['process-owner'];
const READERS: readonly Role[] = ['process-owner', 'quality-manager', 'auditor'];

const DRAFT_STATUSES = ['draft', 'in-review', 'approved', 'rejected', 'published', 'withdrawn'] as const satisfies readonly DraftStatus[];
const text = (what: string) => z.string().trim().min(1, `is required: ${what}`).max(2000);
const version = z.coerce.number().int().min(1);

const schemas = {
  draftQuery: z.object({
    key: z.string().optional(),
    status: z
      .string()
      .regex(new RegExp(`^(${DRAFT_STATUSES.join('|')})(,(${DRAFT_STATUSES.join('|')}))*$`), `a comma-separated list of ${DRAFT_STATUSES.join(', ')}`)
      .optional()
      .describe('comma-separated statuses; `open` drafts are draft, in-review, approved and rejected'),
  }),
  createDraft: z
    .object({
      key: z.string().optional().describe('the process id: alone, a new process from a blank diagram (or the latest version of an existing one)'),
      fromVersion: z.number().int().min(1).optional().describe('with key: edit this version (an older one is restored as the next version)'),
      xml: z.string().optional().describe('import a BPMN file: the key is its executable process id'),
      reason: z.string().max(2000).optional(),
    })
    .strict(),
  saveDraft: z.object({ xml: z.string().min(1, 'is required: the BPMN XML'), revision: z.number().int().min(0).describe('the revision you edited (optimistic lock)') }).strict(),
  submit: z.object({ reason: text('the reason for the change'), impact: text('the impact of the change'), revision: z.number().int().min(0) }).strict(),
  withdraw: z.object({ reason: text('why the change is withdrawn') }).strict(),
  review: z
    .object({
      decision: z.enum(['approve', 'reject']),
      reason: text('the reason for your decision'),
      signature: z
        .object({ password: z.string().optional(), email: z.string().optional() })
        .strict()
        .optional()
        .describe('your password, and your email (user id) for the first signing of a session or with an API token (21 CFR 11.200)'),
    })
    .strict(),
  publish: z
    .object({
      effectiveAt: z.string().optional().describe('from when new instances start on the version: YYYY-MM-DD (UTC) or an ISO 8601 date and time; default now'),
      trainingDue: z.string().optional().describe('when the read-and-understood tasks are due; default the effective date when a week or more away, else in 14 days'),
      reason: z.string().max(2000).optional(),
    })
    .strict(),
  outstandingQuery: z.object({ site: z.string().optional() }),
};

/**
 * Change control of process definitions (engine/features/change-control/) over HTTP: drafts, review with an
 * electronic signature, publication, versions, and the read-and-understood training that follows. Also the
 * pickers the modeler needs: the roles in the directory and the registered services.
 */
export function changeControlRoutes(routes: RouteRegistry, { imsflow, accounts }: { imsflow: ProcessEngine; accounts: Accounts }): void {
  const changes = imsflow.changes;
  const actor = (req: Request) => principalOf(req).user.id;
  const id = (req: Request) => String(req.params.id);
  /** Who is who: the directory's names by user id, for answers that name people (one query per answer). */
  const people = async () => new Map((await imsflow.queries.people()).map((u) => [u.id, u.name]));

  routes.add({ method: 'get', path: '/roles', summary: 'Roles in the directory, with how many active people hold each (the modeler\'s role picker)', tag: 'change control', access: 'signed-in', responses: { 200: '{items: [{role, users}]}' } }, async (_req, res) => {
    const counts = new Map<string, number>(ROLES.map((role) => [role, 0]));
    for (const user of await imsflow.queries.people({ active: true })) for (const role of user.roles) counts.set(role, (counts.get(role) ?? 0) + 1);
    res.json({ items: [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([role, users]) => ({ role, users })) });
  });

  routes.add({ method: 'get', path: '/services', summary: 'Registered services a service task may call (ims:service)', tag: 'change control', access: 'signed-in', responses: { 200: '{items: [{name, description}]}' } }, async (_req, res) => {
    res.json({ items: imsflow.services.list().sort((a, b) => a.name.localeCompare(b.name)) });
  });

  routes.add({ method: 'get', path: '/field-types', summary: 'Form-field types the process packs bring (ProcessPack.fieldTypes), named in the reader\'s language: what an ims:field may use besides the built-in types', tag: 'change control', access: 'signed-in', responses: { 200: '{items: [{type, label, multiple}]}' } }, async (_req, res) => {
    const { t } = readerOf(res);
    res.json({ items: [...imsflow.fieldTypes.values()].sort((a, b) => a.type.localeCompare(b.type)).map((f) => ({ type: f.type, label: t(f.label), multiple: Boolean(f.multiple) })) });
  });

  routes.add({ method: 'get', path: '/drafts', summary: 'Drafts of process changes (without XML), most recently changed first; the people named by id also by name (createdByName, updatedByName, submittedByName)', tag: 'change control', access: READERS, query: schemas.draftQuery, responses: { 200: '{items}' } }, async (_req, res, { query }) => {
    const status = query.status ? (query.status.split(',') as DraftStatus[]) : undefined;
    const [items, names] = await Promise.all([changes.listDrafts({ key: query.key, status }), people()]);
    res.json({ items: items.map((draft) => withDraftNames(draft, names)) });
  });

  routes.add({ method: 'post', path: '/drafts', summary: 'Start a draft: a new process, an edit or restore of a version, or an imported file (one open draft per process)', tag: 'change control', access: EDITORS, body: schemas.createDraft, responses: { 201: 'the draft with its XML and problems', 400: 'field errors', 404: 'no such process or version', 409: 'the process has an open draft (named)', 413: 'too large, or too costly to check (over the check budget): nothing saved', 422: 'the file is not BPMN' } }, async (req, res, { body }) => {
    res.status(201).json(withProblemsFor(res, await changes.createDraft(body, actor(req))));
  });

  routes.add({ method: 'get', path: '/drafts/:id', summary: 'A draft with its XML and the problems the deployment rules find in it; the people named by id also by name (createdByName, updatedByName, submittedByName)', tag: 'change control', access: READERS, responses: { 200: 'the draft', 404: 'no such draft' } }, async (req, res) => {
    const [draft, names] = await Promise.all([changes.getDraft(id(req)), people()]);
    res.json(withProblemsFor(res, withDraftNames(draft, names)));
  });

  routes.add({ method: 'put', path: '/drafts/:id', summary: 'Save (autosave) a draft: the revision you edited must still be current', tag: 'change control', access: EDITORS, body: schemas.saveDraft, responses: { 200: '{revision, updatedAt, status, problems}', 404: 'no such draft', 409: 'saved by someone else since (`current`: revision, updatedBy, updatedAt), or not editable', 413: 'too large, or too costly to check (over the check budget): nothing saved', 422: 'not well-formed BPMN XML' } }, async (req, res, { body }) => {
    res.json(withProblemsFor(res, await changes.saveDraft(id(req), body, actor(req))));
  });

  routes.add({ method: 'post', path: '/drafts/:id/submit', summary: 'Submit a draft for review with the reason for the change and its impact; the deployment rules must pass', tag: 'change control', access: EDITORS, body: schemas.submit, responses: { 200: 'the draft, in review', 404: 'no such draft', 409: 'stale revision, not editable, or a version was deployed since the draft was started', 422: '`problems` naming the elements' } }, async (req, res, { body }) => {
    res.json(await changes.submit(id(req), body, actor(req)));
  });

  routes.add({ method: 'post', path: '/drafts/:id/withdraw', summary: 'Take a change back: from review it becomes an editable draft again; an editable or rejected draft is closed', tag: 'change control', access: WITHDRAWERS, body: schemas.withdraw, responses: { 200: 'the draft', 404: 'no such draft', 409: 'published or closed already' } }, async (req, res, { body }) => {
    res.json(await changes.withdraw(id(req), body, actor(req)));
  });

  routes.add({ method: 'get', path: '/drafts/:id/changes', summary: 'What the draft changes against the version it is based on: elements, every changed attribute (ims: and form fields too) and the XML diff', tag: 'change control', access: READERS, responses: { 200: '{base, xml, elements, fields, xmlDiff}', 404: 'no such draft' } }, async (req, res) => {
    res.json(await changes.changes(id(req)));
  });

  routes.add({ method: 'post', path: '/drafts/:id/review', summary: 'Approve or reject a submitted change, signed electronically (re-authentication, meaning, reason); not by anyone who edited it', tag: 'change control', access: REVIEWERS, body: schemas.review, responses: { 200: 'the draft, approved or rejected', 400: 'field errors (reason, signature)', 401: 'wrong password: nothing is signed', 403: 'you edited the change (separation of duties)', 404: 'no such draft', 409: 'not in review' } }, async (req, res, { body }) => {
    const principal = principalOf(req);
    const { password, email, problems } = signatureComponents(principal, body.signature);
    if (problems.length) throw new ValidationError('a review is signed: give your password (and your email when asked)', problems);
    await changes.checkReviewer(id(req), principal.user.id);
    const signature = await reauthenticateSigner(accounts, principal, password!, email);
    res.json(await changes.review(id(req), body, signature, principal.user.id));
  });

  routes.add({ method: 'post', path: '/drafts/:id/publish', summary: 'Publish an approved change as the next version from an effective date; everyone acting in the process gets a read-and-understood task', tag: 'change control', access: PUBLISHERS, body: schemas.publish, responses: { 201: '{key, version, effectiveAt, training: {assigned, dueAt}}', 400: 'field errors (dates)', 404: 'no such draft', 409: 'not approved, or a version was deployed since the draft was started', 422: 'the deployment rules refuse it now (a service no longer registered)' } }, async (req, res, { body }) => {
    res.status(201).json(await changes.publish(id(req), body, actor(req)));
  });

  routes.add({ method: 'get', path: '/processes/:key/versions', summary: 'Versions of a process, newest first: in effect or not, how each came in (deployedBy and deployedByName), its change (author and authorName) and approvals, instances on it and training coverage', tag: 'change control', access: 'signed-in', responses: { 200: '{items}', 404: 'no such process' } }, async (req, res) => {
    const user = principalOf(req).user;
    // training coverage over the reader's sites, as the version's training list counts it
    const [items, names] = await Promise.all([changes.versions(String(req.params.key), (item) => canSee(user, item)), people()]);
    res.json({
      items: items.map((v) => ({
        ...v,
        ...nameOf('deployedByName', v.deployedBy, names),
        ...(v.change && { change: { ...v.change, ...nameOf('authorName', v.change.author, names) } }),
      })),
    });
  });

  routes.add({ method: 'get', path: '/processes/:key/versions/:version/training', summary: 'Who was given a version to read and who acknowledged it (people of your sites)', tag: 'change control', access: OVERSEERS, responses: { 200: '{due, items, acknowledged, total}', 400: 'bad version', 404: 'no such version' } }, async (req, res) => {
    const parsed = version.safeParse(req.params.version);
    if (!parsed.success) throw new ValidationError('invalid version', [{ field: 'version', message: 'must be a whole number from 1' }]);
    const user = principalOf(req).user;
    res.json(await changes.trainingCoverage(String(req.params.key), parsed.data, (item) => canSee(user, item)));
  });

  routes.add({ method: 'get', path: '/training/outstanding', summary: 'Read-and-understood tasks not yet done, of your sites (or of one): who is not yet trained on which version', tag: 'change control', access: OVERSEERS, query: schemas.outstandingQuery, responses: { 200: '{items: [{user, name, processKey, version, taskId, dueAt, overdue}]}', 403: 'not one of your sites' } }, async (req, res, { query }) => {
    const sites = visibleSites(principalOf(req).user);
    if (query.site !== undefined && sites !== undefined && !sites.includes(query.site)) throw new NotPermittedError(`you do not belong to site ${query.site}`);
    const items = await changes.outstandingTraining({ ...((query.site !== undefined || sites !== undefined) && { sites: query.site !== undefined ? [query.site] : sites }) });
    res.json({ items: query.site !== undefined ? items.filter((item) => item.site === query.site) : items });
  });
}


/**
 * The names of the people a draft names by id (author, last saver, submitter), as fields beside the ids:
 * pages show people by name. Added, never replacing: clients reading the ids keep working.
 */
function withDraftNames<T extends Pick<DraftRecord, 'createdBy' | 'updatedBy' | 'submittedBy'>>(draft: T, names: Map<string, string>): T & { createdByName?: string; updatedByName?: string; submittedByName?: string } {
  return { ...draft, ...nameOf('createdByName', draft.createdBy, names), ...nameOf('updatedByName', draft.updatedBy, names), ...nameOf('submittedByName', draft.submittedBy, names) };
}

/** `{[field]: name}` for a person the directory knows; nothing for one it does not (the installation, a removed account). */
function nameOf<K extends string>(field: K, user: string | undefined, names: Map<string, string>): Partial<Record<K, string>> {
  const name = user === undefined ? undefined : names.get(user);
  return (name === undefined ? {} : { [field]: name }) as Partial<Record<K, string>>;
}
