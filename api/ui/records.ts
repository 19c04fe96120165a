import { createReadStream } from 'node:fs';
import express from 'express';
import type { Catalogue } from '../../engine/features/catalogue/index.js';
import { NotFoundError } from '../../engine/kernel/errors.js';
import { CHECKLIST_RESULTS, type ChecklistResult } from '../../engine/kernel/forms.js';
import type { ProcessEngine, InstanceView } from '../../engine/process-engine.js';
import type { AuditEvent, FormField, RecordLink, TaskRecord, UserRecord } from '../../engine/kernel/model.js';
import { uploadsOf, type AttachmentStore } from './attachments.js';
import { bytes, e, notice, sendPage, when } from './html.js';
import { mayViewRecord, requireSignIn, viewerOf } from './session.js';
import { CHECKLIST_LABELS, clauseCatalogue, clauseText, iterationLabel, iterationLine } from './task-form.js';

/**
 * The record page (/records/:instanceId): what the record is, where it stands, everything entered per
 * task, and its history from the audit trail. And the attachment downloads it links to.
 */

export type Names = Map<string, string>;

export async function directoryNames(imsflow: ProcessEngine): Promise<Names> {
  return new Map((await imsflow.queries.people()).map((u) => [u.id, u.name]));
}

/** A person as shown: their name, with the id when it differs. */
export function person(names: Names, id: string | undefined): string {
  if (!id) return '';
  const name = names.get(id);
  return name && name !== id ? `${e(name)} <span class="hint">(${e(id)})</span>` : e(id);
}

const MAX_DETAIL = 4000;

function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** The reason and the before/after of an audit event, escaped. */
export function auditDetails(event: AuditEvent): string {
  const parts: string[] = [];
  if (event.reason) parts.push(`<p><strong>Reason:</strong> ${e(event.reason)}</p>`);
  if (event.old !== undefined) parts.push(`<p><strong>Before:</strong> <code>${e(compact(event.old))}</code></p>`);
  if (event.new !== undefined) parts.push(`<p><strong>After:</strong> <code>${e(compact(event.new))}</code></p>`);
  return parts.join('');
}

const EMPTY = '<span class="hint">(empty)</span>';
const MAX_LIST = 200;

/**
 * Any value readably: text as text, a list of plain values as one line, a list of objects (a service's
 * findings, a task's iterations) as a numbered list, an object as name/value pairs; deeper than that as
 * compact JSON.
 */
export function readable(value: unknown, depth = 0): string {
  if (value === undefined || value === null || value === '') return EMPTY;
  if (typeof value !== 'object') return typeof value === 'string' && value.includes('\n') ? `<span class="pre">${e(value)}</span>` : e(value);
  if (depth >= 3) return `<code>${e(compact(value))}</code>`;
  if (Array.isArray(value)) {
    if (!value.length) return '<span class="hint">(none)</span>';
    if (value.every((item) => item === null || typeof item !== 'object')) return e(value.map((item) => String(item ?? '')).join(', '));
    const more = value.length > MAX_LIST ? `<li class="hint">… and ${value.length - MAX_LIST} more</li>` : '';
    return `<ol class="values">${value
      .slice(0, MAX_LIST)
      .map((item) => `<li>${readable(item, depth + 1)}</li>`)
      .join('')}${more}</ol>`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.length) return EMPTY;
  return `<dl class="facts values">${entries.map(([key, item]) => `<dt>${e(key)}</dt><dd>${readable(item, depth + 1)}</dd>`).join('')}</dl>`;
}

/** A `clauses` value: the clauses by number and title, in the order chosen. */
export function renderClauses(value: unknown, catalogue: Pick<Catalogue, 'clause'>): string {
  if (!Array.isArray(value)) return readable(value);
  if (!value.length) return '<span class="hint">(none)</span>';
  return `<ul class="clause-list">${value
    .map((id) => {
      const entry = typeof id === 'string' ? catalogue.clause(id) : undefined;
      return `<li>${entry ? e(clauseText(entry)) : `${e(id)} <span class="hint">(not in the clause catalogue)</span>`}</li>`;
    })
    .join('')}</ul>`;
}

/** A field's value as entered, for reading. */
export function renderValue(field: FormField | undefined, value: unknown, names: Names, catalogue: Pick<Catalogue, 'clause'> = clauseCatalogue()): string {
  if (value === undefined || value === null || value === '') return EMPTY;
  switch (field?.type) {
    case 'longtext':
      return `<span class="pre">${e(value)}</span>`;
    case 'checkbox':
      return value === true ? 'Yes' : 'No';
    case 'select': {
      const option = field.options?.find((o) => o.value === value);
      return option ? e(option.label) : e(value);
    }
    case 'person':
      return person(names, String(value));
    case 'file': {
      const file = value as { sha256?: unknown; name?: unknown; size?: unknown; contentType?: unknown };
      if (typeof file.sha256 !== 'string' || !/^[a-f0-9]{64}$/.test(file.sha256)) return e(JSON.stringify(value));
      const size = typeof file.size === 'number' ? bytes(file.size) : '';
      return `<a href="/attachments/${file.sha256}" download>${e(file.name)}</a>${size || file.contentType ? ` <span class="hint">(${e([size, file.contentType].filter(Boolean).join(', '))})</span>` : ''}`;
    }
    case 'checklist': {
      if (!Array.isArray(value)) return e(JSON.stringify(value));
      const rows = value
        .map((row: { item?: unknown; result?: unknown; note?: unknown }) => {
          const item = field.options?.find((o) => o.value === row.item)?.label ?? String(row.item ?? '');
          const result = CHECKLIST_RESULTS.includes(row.result as ChecklistResult) ? CHECKLIST_LABELS[row.result as ChecklistResult] : String(row.result ?? '');
          return `<tr><th scope="row">${e(item)}</th><td>${e(result)}</td><td class="pre">${e(row.note ?? '')}</td></tr>`;
        })
        .join('');
      return `<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Item</th><th scope="col">Result</th><th scope="col">Note</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    }
    case 'clauses':
      return renderClauses(value, catalogue);
    default:
      return readable(value);
  }
}

/**
 * The data entered on one task: for an iteration of a multi-instance task, which element it was for;
 * then its form's fields in order, then anything the form does not name.
 */
export function taskData(task: TaskRecord, names: Names, catalogue: Catalogue = clauseCatalogue()): string {
  const data = task.data ?? {};
  const keys = [...task.form.map((f) => f.key), ...Object.keys(data).filter((k) => !task.form.some((f) => f.key === k))];
  const iteration = iterationLine(task, catalogue);
  if (!keys.length) return `${iteration}<p class="hint">No data was entered on this task.</p>`;
  return `${iteration}<dl class="facts">${keys
    .map((key) => {
      const field = task.form.find((f) => f.key === key);
      return `<dt>${e(field?.label ?? key)}</dt><dd>${renderValue(field, data[key], names, catalogue)}</dd>`;
    })
    .join('')}</dl>`;
}

/** `Raised CAPA-2026-0004` (this record started it) or `Raised by AUD-2026-0002` (it started this one). */
function direction(link: RecordLink, key: string): string {
  return `${link.rel === 'started' ? 'Raised' : 'Raised by'} ${key}`;
}

/**
 * The threads to other records, both ways: each other record by business key (a link to it when the
 * viewer may see it, otherwise the key and "not visible to you"), its process, what the link is about,
 * and where that record stands now.
 */
async function linkedRecords(imsflow: ProcessEngine, viewer: UserRecord, instance: InstanceView): Promise<string> {
  const links = [...(instance.links ?? [])].sort((a, b) => (a.rel === b.rel ? 0 : a.rel === 'origin' ? -1 : 1));
  if (!links.length) return '';
  const definitions = new Map<string, Promise<string | undefined>>();
  const processName = (key: string, version: number | undefined) => {
    const id = `${key}@${version ?? 'latest'}`;
    if (!definitions.has(id)) definitions.set(id, imsflow.queries.findDefinition(key, version).then((d) => d?.name));
    return definitions.get(id)!;
  };
  const rows = await Promise.all(
    links.map(async (link) => {
      const other = await imsflow.queries.findInstance(link.instanceId);
      const visible = other ? await mayViewRecord(imsflow, viewer, other) : false;
      const name = await processName(link.processKey, other?.version);
      const process = name ? `${e(name)} <span class="hint">(${e(link.processKey)})</span>` : e(link.processKey);
      let record: string;
      let status: string;
      if (other && visible) {
        record = direction(link, `<a href="/records/${e(other.id)}">${e(link.businessKey)}</a>`);
        const open = other.status === 'running' ? await imsflow.listTasks({ instanceId: other.id, status: 'open', limit: 5 }) : [];
        const steps = [...new Set(open.map((t) => t.name))];
        status = `${e(other.status)}${steps.length ? ` <span class="hint">(at ${e(steps.join(', '))})</span>` : ''}`;
      } else {
        record = direction(link, e(link.businessKey));
        status = '<span class="hint">not visible to you</span>';
      }
      return `<tr><th scope="row">${record}</th><td data-label="Process">${process}</td><td data-label="About">${e(link.label)}</td><td data-label="Status">${status}</td><td data-label="Since">${when(link.at)}</td></tr>`;
    }),
  );
  const caption = `Records linked to ${instance.businessKey}`;
  return `<h2 id="linked">Linked records</h2>
<div class="table-wrap" role="region" aria-labelledby="linked" tabindex="0"><table class="stack links"><caption class="vh">${e(caption)}</caption><thead><tr><th scope="col">Record</th><th scope="col">Process</th><th scope="col">About</th><th scope="col">Status</th><th scope="col">Since</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|quot|apos|amp);/gi, (_all, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[ref.toLowerCase()] ?? '';
  });
}

/** The name a BPMN element is given in the definition's XML, if any. */
function elementName(xml: string | undefined, id: string): string | undefined {
  if (!xml) return undefined;
  const quoted = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // [^<>]: a tag holds no "<" (XML forbids it in attribute values), so a search started at each "<" of a
  // comment or CDATA full of them stops at the next one instead of scanning on to a ">" (quadratic)
  const tag = new RegExp(`<(?:[\\w-]+:)?\\w+(?:\\s[^<>]*)?\\sid="${quoted}"[^<>]*>`).exec(xml)?.[0];
  const name = tag ? /\sname="([^"]*)"/.exec(tag)?.[1] : undefined;
  return name ? decodeXml(name) : undefined;
}

/** What the automatic steps (service tasks) of the record produced: everything in `output` no user task entered. */
function automaticResults(instance: InstanceView, xml: string | undefined): string {
  const userTasks = new Set(instance.tasks.map((t) => t.elementId));
  const results = Object.entries(instance.output ?? {}).filter(
    ([key, value]) => !userTasks.has(key) && value !== null && value !== undefined && !(typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length),
  );
  if (!results.length) return '';
  return `<h3>Results of automatic steps</h3><dl class="facts">${results
    .map(([key, value]) => {
      const name = elementName(xml, key);
      return `<dt>${name ? `${e(name)} <span class="hint">(${e(key)})</span>` : e(key)}</dt><dd>${readable(value)}</dd>`;
    })
    .join('')}</dl>`;
}

export function historyTable(events: AuditEvent[], names: Names, caption: string): string {
  if (!events.length) return '<p>No events.</p>';
  const rows = events
    .map(
      (event) =>
        `<tr><td>${event.seq}</td><td data-label="When">${when(event.at)}</td><td data-label="Who">${person(names, event.actor)}</td><td data-label="What"><code>${e(event.action)}</code><br><span class="hint">${e(
          event.target,
        )}</span></td><td data-label="Details">${auditDetails(event)}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap" role="region" aria-label="${e(caption)}" tabindex="0"><table class="stack history"><caption class="vh">${e(caption)}</caption><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Details</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

export function recordPages(imsflow: ProcessEngine, attachments: AttachmentStore | undefined): express.Router {
  const router = express.Router();

  router.get('/records/:id', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const id = String(req.params.id);
    const record = await imsflow.queries.findInstance(id);
    if (!record || !(await mayViewRecord(imsflow, viewer.user, record))) throw new NotFoundError(`no record ${id}`);
    const [instance, definition, names] = await Promise.all([imsflow.getInstance(id), imsflow.queries.findDefinition(record.key, record.version), directoryNames(imsflow)]);
    const catalogue = clauseCatalogue(imsflow);
    const linked = await linkedRecords(imsflow, viewer.user, instance);
    const open = instance.tasks.filter((t) => t.status === 'open');
    const done = instance.tasks.filter((t) => t.status === 'completed').sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? ''));
    const incidents = instance.incidents.filter((i) => i.status === 'open');
    const active = [...new Set([...open.map((t) => t.elementId), ...incidents.flatMap((i) => (i.elementId ? [i.elementId] : []))])];

    const forWhat = (t: TaskRecord) => {
      const label = t.iteration ? iterationLabel(t.iteration.item, catalogue) : '';
      return label ? ` <span class="hint">(for ${e(label)})</span>` : '';
    };
    const steps = open.length
      ? `<ul>${open
          .map(
            (t) =>
              `<li><a href="/tasks/${e(t.id)}">${e(t.name)}</a>${forWhat(t)}, for ${t.assignee ? person(names, t.assignee) : `the ${e(t.candidateRole)} role`}${t.dueAt ? `, due ${when(t.dueAt)}` : ''}</li>`,
          )
          .join('')}</ul>`
      : `<p>${instance.status === 'running' ? 'No task is open: the process is waiting (for a timer, say).' : 'None: the record is closed.'}</p>`;
    const problems = incidents.length
      ? `<div class="notice bad" role="alert"><p>This record has ${incidents.length === 1 ? 'a problem' : 'problems'} an administrator has been shown:</p><ul>${incidents
          .map((i) => `<li>${e(i.message)}${i.elementId ? ` (at ${e(i.elementId)})` : ''}</li>`)
          .join('')}</ul></div>`
      : '';
    const variables = Object.keys(instance.variables ?? {}).length
      ? `<h3>Data at the start</h3><dl class="facts">${Object.entries(instance.variables)
          .map(([key, value]) => {
            const clause = key === 'clause' && typeof value === 'string' ? catalogue.clause(value) : undefined;
            return `<dt>${e(key)}</dt><dd>${clause ? e(clauseText(clause)) : readable(value)}</dd>`;
          })
          .join('')}</dl>`
      : '';
    const entered = done
      .map(
        (t) =>
          `<section aria-labelledby="task-${e(t.id)}"><h3 id="task-${e(t.id)}">${e(t.name)}</h3><p class="hint">Completed by ${person(names, t.completedBy)} on ${when(t.completedAt)}</p>${taskData(t, names, catalogue)}${instance.signatures
            .filter((s) => s.taskId === t.id)
            .map((s) =>
              s.valid
                ? `<p class="signed"><strong>Signed electronically:</strong> ${e(s.manifestation.text)}. The signature matches the record.</p>`
                : notice('alert', `<p><strong>Signature no longer matches:</strong> ${e(s.manifestation.text)}. ${e((s.changes ?? []).join('; '))}</p>`),
            )
            .join('')}</section>`,
      )
      .join('\n');

    sendPage(res, 200, {
      title: `Record ${instance.businessKey}`,
      viewer,
      // the process diagram in #diagram (modeler/viewer.ts, built and served by modeler/build.ts)
      head: '<link rel="stylesheet" href="/assets/viewer.css"><script src="/assets/viewer.js" defer></script>',
      body: `${problems}<dl class="facts">
<dt>Business key</dt><dd>${e(instance.businessKey)}</dd>
<dt>Process</dt><dd>${e(definition?.name ?? instance.key)} <span class="hint">(${e(instance.key)}, version ${e(instance.version)})</span></dd>
<dt>Status</dt><dd>${e(instance.status)}</dd>
<dt>Site</dt><dd>${instance.site ? e(instance.site) : '<span class="hint">(none)</span>'}</dd>
<dt>Started</dt><dd>${when(instance.startedAt)} by ${person(names, instance.startedBy)}</dd>
${instance.endedAt ? `<dt>Ended</dt><dd>${when(instance.endedAt)}</dd>` : ''}
</dl>
${linked}
<h2>Current step${open.length === 1 ? '' : 's'}</h2>${steps}
<div id="diagram" data-bpmn-url="/api/definitions/${encodeURIComponent(instance.key)}/versions/${encodeURIComponent(String(instance.version))}" data-active="${e(active.join(','))}"></div>
<h2>Data entered</h2>${variables}${entered || '<p>No task has been completed yet.</p>'}${automaticResults(instance, definition?.xml)}
<h2>History</h2>${historyTable(instance.history, names, `History of ${instance.businessKey}`)}`,
    });
  });

  /**
   * An attachment's bytes, to someone who may see a record it was uploaded to; 404 otherwise (as for a
   * file that does not exist). Always a download, with the type found when it was checked.
   */
  router.get('/attachments/:sha256', requireSignIn, async (req, res) => {
    const { user } = viewerOf(req);
    const sha256 = String(req.params.sha256);
    const missing = new NotFoundError('no such attachment');
    if (!attachments || !/^[a-f0-9]{64}$/.test(sha256)) throw missing;
    let allowed: Awaited<ReturnType<typeof uploadsOf>>[number] | undefined;
    for (const upload of await uploadsOf(imsflow, sha256)) {
      const instance = await imsflow.queries.findInstance(upload.instanceId);
      if (instance && (await mayViewRecord(imsflow, user, instance))) {
        allowed = upload;
        break;
      }
    }
    const size = allowed ? await attachments.size(sha256) : undefined;
    if (!allowed || size === undefined) throw missing;
    res.attachment(allowed.ref.name);
    res.set({
      'Content-Type': allowed.ref.contentType,
      'Content-Length': String(size),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
    });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(attachments.pathOf(sha256));
      stream.on('error', reject);
      res.on('close', resolve);
      stream.pipe(res);
    });
  });

  return router;
}
