import { createReadStream } from 'node:fs';
import express from 'express';
import { NotFoundError } from '../../../engine/kernel/errors.js';
import type { ProcessEngine, InstanceView } from '../../../engine/process-engine.js';
import type { UserRecord } from '../../../engine/kernel/model.js';
import { readerOf } from '../reader.js';
import { sendRecordPage } from '../record.js';
import type { LinkedRow } from './LinkedRecords.js';
import { uploadsOf, type AttachmentStore } from '../attachments.js';
import { mayViewRecord, requireSignIn, viewerOf } from '../session.js';
import { packValueWords } from '../../../engine/kernel/field-types.js';
import { packStepResults, type ProcessPack } from '../../../engine/packs.js';
import { clauseCatalogue, clauseText, iterationLabel } from '../task-form/clauses.js';

/**
 * The record page's route (/records/:instanceId; the page itself is api/pages/record.tsx) and the
 * attachment downloads it links to. Also the directory's names, which other pages read from here.
 */

export type Names = Map<string, string>;

export async function directoryNames(imsflow: ProcessEngine): Promise<Names> {
  return new Map((await imsflow.queries.people()).map((u) => [u.id, u.name]));
}

/**
 * The threads to other records, both ways, the record's own first: each other record by business key,
 * its process by name, what the link is about and, when the viewer may see it, where it stands now.
 */
async function linkedRecords(imsflow: ProcessEngine, viewer: UserRecord, instance: InstanceView): Promise<LinkedRow[]> {
  const links = [...(instance.links ?? [])].sort((a, b) => (a.rel === b.rel ? 0 : a.rel === 'origin' ? -1 : 1));
  const definitions = new Map<string, Promise<string | undefined>>();
  const processName = (key: string, version: number | undefined) => {
    const id = `${key}@${version ?? 'latest'}`;
    if (!definitions.has(id)) definitions.set(id, imsflow.queries.findDefinition(key, version).then((d) => d?.name));
    return definitions.get(id)!;
  };
  return Promise.all(
    links.map(async (link): Promise<LinkedRow> => {
      const other = await imsflow.queries.findInstance(link.instanceId);
      const visible = other ? await mayViewRecord(imsflow, viewer, other) : false;
      const name = await processName(link.processKey, other?.version);
      const row: LinkedRow = { rel: link.rel, businessKey: link.businessKey, processKey: link.processKey, label: link.label, at: link.at, ...(name && { processName: name }) };
      if (!other || !visible) return row;
      const open = other.status === 'running' ? await imsflow.listTasks({ instanceId: other.id, status: 'open', limit: 5 }) : [];
      const steps = [...new Map(open.map((t) => [t.name, { elementId: t.elementId, name: t.name }])).values()];
      return { ...row, instanceId: other.id, status: other.status, steps };
    }),
  );
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

export function recordPages(imsflow: ProcessEngine, attachments: AttachmentStore | undefined, titleFields: Record<string, string[]> = {}, packs: readonly ProcessPack[] = []): express.Router {
  const router = express.Router();

  router.get('/records/:id', requireSignIn, async (req, res) => {
    const viewer = viewerOf(req);
    const id = String(req.params.id);
    const record = await imsflow.queries.findInstance(id);
    if (!record || !(await mayViewRecord(imsflow, viewer.user, record))) throw new NotFoundError(`no record ${id}`);
    const [instance, definition, names, definitions] = await Promise.all([
      imsflow.getInstance(id),
      imsflow.queries.findDefinition(record.key, record.version),
      directoryNames(imsflow),
      imsflow.listDefinitions(),
    ]);
    // a version that no longer compiles (it did when the record started) still shows, labelled from its tasks
    const forms = await imsflow.taskForms(record.key, record.version).catch(() => new Map());
    // each process by the name of its newest version (the management review's figures count by process)
    const processNames = new Map([...definitions].sort((a, b) => a.version - b.version).map((d) => [d.key, d.name]));
    const catalogue = clauseCatalogue(imsflow);
    const reader = readerOf(res);
    const siteNames = (res.locals.siteNames as ReadonlyMap<string, string> | undefined) ?? new Map<string, string>();
    const stepResults = packStepResults(packs, {
      ...reader,
      siteName: (key) => siteNames.get(key),
      processName: (key) => (processNames.has(key) ? reader.translated(`${key}.process.name`, processNames.get(key)!) : undefined),
      personName: (personId) => names.get(personId),
    });
    sendRecordPage(res, {
      viewer,
      instance,
      ...(definition?.name && { processName: definition.name }),
      elementName: (elementId) => elementName(definition?.xml, elementId),
      names,
      processNames,
      forms,
      clauseText: (clause) => {
        const entry = catalogue.clause(clause);
        return entry ? clauseText(entry) : undefined;
      },
      iterationLabel: (item) => iterationLabel(item, catalogue, (clause) => reader.t('taskForm.clause', { clause })),
      linked: await linkedRecords(imsflow, viewer.user, instance),
      ...(titleFields[instance.key] && { titleFields: titleFields[instance.key] }),
      now: imsflow.clock.now(),
      packValue: packValueWords(imsflow.fieldTypes, reader),
      stepResults: (elementId, value) => stepResults(instance.key, elementId, value),
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
