import type { FieldError, PackBlock, PackCell, PackContext, PackFormField, PackPage, PackRequest, PackTone, PackView } from '../../engine/pack-kit.js';
import { mayCopy } from './copy.js';
import { effectiveQuery, effectiveVersions, linksTo, readDocuments, registerFilters, registerRows, reviewsOf, sitesOf, trainingOf, TYPES, VERSION_STATUSES, versionsOf, type DocumentReads } from './register.js';
import type { DocumentSummary, DocumentVersion, VersionStatus } from './versions.js';

/**
 * The document register's pages (issue 17, item 4): the register with its search, filters and reviews
 * due; a document with its versions, approvals, reviews, training, links and copies; and "what was
 * effective at a site on a date". Words from locales/<language>/documents.json, values typed so the
 * platform shows times in the reader's zone and people and sites by name.
 */

const TONE: Record<VersionStatus, PackTone> = {
  draft: 'neutral',
  'in-review': 'pending',
  approved: 'approved',
  effective: 'done',
  superseded: 'neutral',
  obsolete: 'rejected',
  cancelled: 'rejected',
};

const REVIEW_WINDOWS = ['30', '90', '180', 'overdue'];
const documentHref = (number: string) => `/documents/${encodeURIComponent(number)}`;
const copyHref = (v: DocumentVersion) => `/api/documents/${encodeURIComponent(v.number)}/versions/${encodeURIComponent(v.revision)}/copy`;

function words(context: PackContext) {
  const { t, translated } = context.reader;
  return {
    t,
    status: (status: VersionStatus): PackCell => ({ kind: 'badge', text: t(`documents.status.${status}`), tone: TONE[status] }),
    type: (type: string) => (TYPES.includes(type) ? t(`document-control.started.field.type.option.${type}`) : type),
    process: (key: string) => translated(`${key}.process.name`, key),
  };
}

const errorOf = (problems: FieldError[], field: string) => problems.find((p) => p.field === field)?.message;

async function siteOptions(request: PackRequest, context: PackContext) {
  const mine = await sitesOf(request.user, context);
  const register = await context.sites();
  return mine.map((key) => ({ value: key, label: register.find((s) => s.key === key)?.name ?? key }));
}

// ---- /documents ---------------------------------------------------------------------------------------

async function registerPage(request: PackRequest, context: PackContext): Promise<PackView> {
  const w = words(context);
  const { t } = w;
  const { query } = request;
  const { filters, problems } = await registerFilters(query, request.user, context);
  const reads = await readDocuments(context, request.user);
  // a bad filter is shown on its field; the others still apply
  const rows = registerRows(reads, filters);
  const owners = [...new Set(registerRows(reads, { at: context.now() }).map((r) => (r.effective ?? r.latest).owner).filter(Boolean))];
  const ownerNames = await Promise.all(owners.map(async (id) => ({ value: id, label: (await context.records.user(id))?.name ?? id })));
  const field = (name: string, label: string, type: PackFormField['type'], extra: Partial<PackFormField> = {}): PackFormField => ({
    name,
    label,
    type,
    ...(query[name] && { value: query[name] }),
    ...(errorOf(problems, name) && { error: errorOf(problems, name)! }),
    ...extra,
  });
  const now = context.now().toISOString();
  const blocks: PackBlock[] = [
    {
      kind: 'facts',
      facts: [
        { label: t('documents.register.views'), value: { kind: 'list', items: [{ kind: 'link', text: t('documents.register.dueSoon'), href: '/documents?reviewDue=90' }, { kind: 'link', text: t('documents.register.overdue'), href: '/documents?reviewDue=overdue' }, { kind: 'link', text: t('documents.effective.title'), href: '/documents/effective' }] } },
      ],
    },
    {
      kind: 'form',
      role: 'filter',
      label: t('documents.register.filter'),
      submit: t('documents.register.apply'),
      clear: t('documents.register.clear'),
      fields: [
        field('q', t('documents.register.search'), 'search', { hint: t('documents.register.searchHint') }),
        field('type', t('documents.field.type'), 'select', { options: TYPES.map((type) => ({ value: type, label: w.type(type) })) }),
        field('site', t('documents.field.site'), 'select', { options: await siteOptions(request, context) }),
        field('status', t('documents.field.status'), 'select', { options: VERSION_STATUSES.map((s) => ({ value: s, label: t(`documents.status.${s}`) })) }),
        field('clause', t('documents.field.clause'), 'text', { hint: t('documents.register.clauseHint') }),
        field('owner', t('documents.field.owner'), 'select', { options: ownerNames.sort((a, b) => a.label.localeCompare(b.label)) }),
        field('reviewDue', t('documents.field.reviewDue'), 'select', { options: REVIEW_WINDOWS.map((value) => ({ value, label: value === 'overdue' ? t('documents.register.overdue') : t('documents.register.within', { days: Number(value) }) })) }),
      ],
    },
    ...(problems.length ? [{ kind: 'notice' as const, tone: 'error' as const, text: t('documents.register.badFilters') }] : []),
    {
      kind: 'table',
      caption: t('documents.register.caption', { count: rows.length }),
      empty: t('documents.register.none'),
      columns: [
        { key: 'number', label: t('documents.field.number') },
        { key: 'title', label: t('documents.field.title') },
        { key: 'type', label: t('documents.field.type') },
        { key: 'revision', label: t('documents.field.revision') },
        { key: 'status', label: t('documents.field.status') },
        { key: 'sites', label: t('documents.field.sites') },
        { key: 'owner', label: t('documents.field.owner') },
        { key: 'effective', label: t('documents.field.effectiveFrom') },
        { key: 'review', label: t('documents.field.nextReview') },
      ],
      rows: rows.map((r: DocumentSummary) => {
        const v = r.effective ?? r.latest;
        const overdue = v.nextReviewDue !== undefined && v.nextReviewDue < now;
        return {
          number: { kind: 'link', text: r.number, href: documentHref(r.number) },
          title: v.title,
          type: w.type(v.type),
          revision: r.effective && r.latest !== r.effective ? { kind: 'list', items: [v.revision, t('documents.register.changeUnderWay', { revision: r.latest.revision })] } : v.revision,
          status: w.status(r.status),
          sites: { kind: 'list', items: v.sites.map((key) => ({ kind: 'site', key })) },
          owner: v.owner ? { kind: 'person', id: v.owner } : '',
          effective: v.effectiveFrom ? { kind: 'day', iso: v.effectiveFrom } : '',
          review: v.nextReviewDue ? (overdue ? { kind: 'list', items: [{ kind: 'day', iso: v.nextReviewDue }, { kind: 'badge', text: t('documents.register.reviewOverdue'), tone: 'overdue' }] } : { kind: 'day', iso: v.nextReviewDue }) : '',
        };
      }),
    },
  ];
  return { title: t('documents.register.title'), blocks };
}

// ---- /documents/effective -----------------------------------------------------------------------------

async function effectivePage(request: PackRequest, context: PackContext): Promise<PackView> {
  const w = words(context);
  const { t } = w;
  const asked = request.query.site !== undefined || request.query.at !== undefined;
  const { value, problems } = asked ? await effectiveQuery({ site: request.query.site, at: request.query.at || undefined }, request.user, context) : { value: undefined, problems: [] };
  const form: PackBlock = {
    kind: 'form',
    label: t('documents.effective.form'),
    submit: t('documents.effective.show'),
    fields: [
      { name: 'site', label: t('documents.field.site'), type: 'select', options: await siteOptions(request, context), any: t('documents.effective.chooseSite'), ...(request.query.site && { value: request.query.site }), ...(errorOf(problems, 'site') && { error: errorOf(problems, 'site')! }) },
      { name: 'at', label: t('documents.effective.date'), hint: t('documents.effective.dateHint'), type: 'date', ...(request.query.at && { value: request.query.at }), ...(errorOf(problems, 'at') && { error: errorOf(problems, 'at')! }) },
    ],
  };
  const blocks: PackBlock[] = [{ kind: 'text', text: t('documents.effective.intro') }, form];
  if (value) {
    const reads = await readDocuments(context, request.user);
    const found = effectiveVersions(reads, 'all', value);
    const site = (await context.sites()).find((s) => s.key === value.site)?.name ?? value.site;
    blocks.push({
      kind: 'table',
      heading: t('documents.effective.heading', { site, at: request.query.at ? context.reader.calendarDate(/^\d{4}-\d\d-\d\d$/.test(request.query.at) ? request.query.at : value.at.toISOString().slice(0, 10)) : t('documents.effective.now') }),
      caption: t('documents.effective.caption', { site }),
      empty: t('documents.effective.none', { site }),
      columns: [
        { key: 'number', label: t('documents.field.number') },
        { key: 'title', label: t('documents.field.title') },
        { key: 'revision', label: t('documents.field.revision') },
        { key: 'from', label: t('documents.field.effectiveFrom') },
        { key: 'copy', label: t('documents.field.copy') },
      ],
      rows: found.map((v) => ({
        number: { kind: 'link', text: v.number, href: documentHref(v.number) },
        title: v.title,
        revision: v.revision,
        from: v.effectiveFrom ? { kind: 'time', iso: v.effectiveFrom } : '',
        copy: v.file && !mayCopy(request.user, asNow(reads, v, context.now()), reads, context) ? { kind: 'link', text: t('documents.copy.link', { number: v.number, revision: v.revision }), href: copyHref(v) } : t('documents.copy.notForYou'),
      })),
    });
  }
  return { title: t('documents.effective.title'), breadcrumbs: [{ text: t('documents.register.title'), href: '/documents' }], blocks };
}

/** The version as it stands now (the effective-at list shows it as it stood then: a copy is of its status now). */
function asNow(reads: DocumentReads, v: DocumentVersion, now: Date): DocumentVersion {
  return versionsOf(reads, v.number, now).find((x) => x.revision === v.revision) ?? v;
}

// ---- /documents/:number -------------------------------------------------------------------------------

async function documentPage(request: PackRequest, context: PackContext): Promise<PackView> {
  const w = words(context);
  const { t } = w;
  const number = request.params.number!;
  const reads = await readDocuments(context, request.user);
  const versions = versionsOf(reads, number, context.now());
  const crumbs = [{ text: t('documents.register.title'), href: '/documents' }];
  if (!versions.length) return { title: number, breadcrumbs: crumbs, blocks: [{ kind: 'notice', tone: 'warning', text: t('documents.problem.noDocument', { number }) }] };
  const current = versions.find((v) => v.status === 'effective');
  const head = current ?? versions.filter((v) => v.status !== 'cancelled').at(-1) ?? versions.at(-1)!;
  const change = versions.filter((v) => ['draft', 'in-review', 'approved'].includes(v.status)).at(-1);
  const blocks: PackBlock[] = [];
  // plain sentences: the platform's slim info notice draws its icon over the first letters (api/pages/components/Notice.tsx)
  if (!current) blocks.push({ kind: 'text', text: t('documents.document.noneEffective') });
  if (change) blocks.push({ kind: 'text', text: t('documents.document.changeUnderWay', { revision: change.revision, status: t(`documents.status.${change.status}`) }) });
  blocks.push({
    kind: 'facts',
    facts: [
      { label: t('documents.field.status'), value: w.status(head.status) },
      { label: t('documents.field.currentRevision'), value: current ? current.revision : t('documents.document.none') },
      { label: t('documents.field.type'), value: w.type(head.type) },
      { label: t('documents.field.owner'), value: head.owner ? { kind: 'person', id: head.owner } : '' },
      { label: t('documents.field.sites'), value: { kind: 'list', items: head.sites.map((key) => ({ kind: 'site', key })) } },
      { label: t('documents.field.clauses'), value: head.clauses.length ? head.clauses.join(', ') : t('documents.document.none') },
      { label: t('documents.field.processes'), value: head.processes.length ? { kind: 'list', items: head.processes.map(w.process) } : t('documents.document.none') },
      ...(current?.nextReviewDue ? [{ label: t('documents.field.nextReview'), value: { kind: 'day' as const, iso: current.nextReviewDue } }] : []),
    ],
  });
  const copies = versions.filter((v) => v.file && v.status !== 'cancelled' && !mayCopy(request.user, v, reads, context)).reverse();
  blocks.push({
    kind: 'downloads',
    heading: t('documents.document.copies'),
    links: copies.map((v) => ({ text: t('documents.copy.link', { number: v.number, revision: v.revision }), href: copyHref(v), note: t('documents.copy.note', { status: t(`documents.status.${v.status}`) }) })),
  });
  if (!copies.length) blocks.push({ kind: 'text', text: t('documents.copy.none') });
  for (const version of [...versions].reverse()) blocks.push(await versionSection(version, reads, context, await context.records.mayOpen({ id: version.instanceId, startedBy: version.startedBy, ...(version.site && { site: version.site }) })));
  const links = await linksTo(context, reads, number);
  blocks.push({
    kind: 'table',
    heading: t('documents.document.links'),
    caption: t('documents.document.links'),
    empty: t('documents.document.noLinks'),
    columns: [
      { key: 'record', label: t('documents.field.record') },
      { key: 'process', label: t('documents.field.process') },
      { key: 'how', label: t('documents.field.how') },
    ],
    rows: links.map((l) => ({ record: { kind: 'link', text: l.businessKey, href: `/records/${encodeURIComponent(l.instanceId)}` }, process: w.process(l.processKey), how: t(`documents.link.${l.relation}`) })),
  });
  return { title: t('documents.document.title', { number, title: head.title }), breadcrumbs: crumbs, blocks };
}

async function versionSection(version: DocumentVersion, reads: DocumentReads, context: PackContext, mayOpen: boolean): Promise<PackBlock> {
  const { t } = context.reader;
  const w = words(context);
  const training = trainingOf(reads, version);
  const reviews = reviewsOf(reads, version);
  const facts: { label: string; value: PackCell }[] = [
    { label: t('documents.field.status'), value: w.status(version.status) },
    { label: t('documents.field.revisionKind'), value: t(`documents.revisionKind.${version.revisionKind}`) },
    { label: t('documents.field.changeSummary'), value: version.changeSummary || t('documents.document.none') },
    { label: t('documents.field.reason'), value: version.reason || t('documents.document.none') },
    ...(version.effectiveFrom ? [{ label: t('documents.field.effectiveFrom'), value: { kind: 'time' as const, iso: version.effectiveFrom } }] : version.effectiveDate ? [{ label: t('documents.field.effectiveDate'), value: { kind: 'date' as const, ymd: version.effectiveDate } }] : []),
    ...(version.supersededAt ? [{ label: t('documents.field.supersededAt'), value: { kind: 'time' as const, iso: version.supersededAt } }] : []),
    ...(version.obsoleteAt ? [{ label: t('documents.field.obsoleteAt'), value: { kind: 'time' as const, iso: version.obsoleteAt } }] : []),
    ...(version.retainUntil ? [{ label: t('documents.field.retainUntil'), value: { kind: 'day' as const, iso: version.retainUntil } }] : []),
    { label: t('documents.field.file'), value: version.file ? version.file.name : t('documents.document.noFile') },
    { label: t('documents.field.record'), value: mayOpen ? { kind: 'link', text: version.businessKey, href: `/records/${encodeURIComponent(version.instanceId)}` } : version.businessKey },
  ];
  return {
    kind: 'section',
    heading: t('documents.document.version', { revision: version.revision }),
    blocks: [
      { kind: 'facts', facts },
      {
        kind: 'table',
        heading: t('documents.document.approvals'),
        caption: t('documents.document.approvalsOf', { revision: version.revision }),
        empty: t('documents.document.noApprovals'),
        columns: [
          { key: 'signer', label: t('documents.field.signer') },
          { key: 'meaning', label: t('documents.field.meaning') },
          { key: 'at', label: t('documents.field.signedAt') },
        ],
        rows: version.signatures.map((s) => ({ signer: { kind: 'person', id: s.by }, meaning: t('documents.signature.approved'), at: { kind: 'time', iso: s.at } })),
      },
      {
        kind: 'table',
        heading: t('documents.document.reviews'),
        caption: t('documents.document.reviewsOf', { revision: version.revision }),
        empty: t('documents.document.noReviews'),
        columns: [
          { key: 'by', label: t('documents.field.reviewer') },
          { key: 'role', label: t('documents.field.role') },
          { key: 'decision', label: t('documents.field.decision') },
          { key: 'comment', label: t('documents.field.comment') },
          { key: 'at', label: t('documents.field.when') },
        ],
        rows: reviews.map((r) => ({
          by: r.by ? { kind: 'person', id: r.by } : '',
          role: r.role ? t(`documents.role.${r.role}`) : '',
          decision: r.decision ? { kind: 'badge', text: r.decision === 'approve' ? t('documents.decision.approve') : t('documents.decision.changes'), tone: r.decision === 'approve' ? 'approved' : 'pending' } : '',
          comment: r.comment ?? '',
          at: r.at ? { kind: 'time', iso: r.at } : '',
        })),
      },
      {
        kind: 'table',
        heading: t('documents.document.training', { trained: training.trained.length, assigned: version.training.assigned }),
        caption: t('documents.document.trainingOf', { revision: version.revision }),
        empty: t('documents.document.noTraining'),
        columns: [
          { key: 'person', label: t('documents.field.person') },
          { key: 'state', label: t('documents.field.status') },
          { key: 'at', label: t('documents.field.acknowledgedAt') },
        ],
        rows: [
          ...training.outstanding.map((id) => ({ person: { kind: 'person' as const, id }, state: { kind: 'badge' as const, text: t('documents.training.outstanding'), tone: 'pending' as const }, at: '' })),
          ...training.trained.map((p) => ({ person: { kind: 'person' as const, id: p.user }, state: { kind: 'badge' as const, text: t('documents.training.done'), tone: 'done' as const }, at: p.at ? { kind: 'time' as const, iso: p.at } : '' })),
        ],
      },
    ],
  };
}

export const documentPages: PackPage[] = [
  { path: '/documents', nav: 'documents.nav', access: 'signed-in', example: {}, build: registerPage },
  { path: '/documents/effective', access: 'signed-in', example: { query: { site: 'dublin' } }, build: effectivePage },
  { path: '/documents/:number', access: 'signed-in', example: { params: { number: 'SOP-QA-0001' } }, build: documentPage },
];
