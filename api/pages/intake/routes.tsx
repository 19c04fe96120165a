/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { randomInt } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import multer from 'multer';
import QRCode from 'qrcode';
import { auditEvent } from '../../../engine/kernel/audit-event.js';
import { NotFoundError, ValidationError } from '../../../engine/kernel/errors.js';
import type { PackIntake, ProcessPack } from '../../../engine/packs.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { clientAddress, LoginRateLimiter } from '../../auth.js';
import { checkUpload, MAX_ATTACHMENT_BYTES, type AttachmentStore } from '../attachments.js';
import { readerOf } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireSignIn } from '../session.js';
import { fieldWords } from '../task-form/words.js';
import { IntakeFormPage, IntakePosterPage, IntakeReceiptPage, IntakeRefusedPage, type IntakeField } from './IntakePage.js';

/**
 * The packs' public intake pages (ProcessPack.intake): `/<path>/:site` asks the fields, anyone may send
 * them (no account, so no CSRF token: nothing a forged post could do that a sender could not), limited per
 * address and in size; the record starts through the engine's start command as `intake:<site>`, a photo
 * kept as its attachment once its content is a PNG or JPEG. The sender is shown a receipt reference only.
 */

/** The actor the audit trail names for a record started by the public intake of `site`. */
export const intakeActor = (site: string) => `intake:${site}`;

/** A receipt reference: 8 characters a person can read out (no 0/O, 1/I), kept in the record. */
function receiptReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const chars = Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}
const RECEIPT = /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/;

/** The first path segments of the intake pages (`/report`): pages whose errors are answered as pages. */
export function intakePrefixes(packs: readonly ProcessPack[], taken: readonly string[]): string[] {
  const prefixes = packs.flatMap((pack) => (pack.intake ?? []).map((intake) => ({ pack: pack.key, prefix: `/${intake.path}` })));
  for (const [index, { pack, prefix }] of prefixes.entries()) {
    if (taken.includes(prefix) || prefixes.findIndex((other) => other.prefix === prefix) !== index) throw new Error(`pack ${pack}: the intake path ${prefix} is taken`);
  }
  return prefixes.map(({ prefix }) => prefix);
}

export function intakePages({ imsflow, packs, attachments, baseUrl = () => '' }: { imsflow: ProcessEngine; packs: readonly ProcessPack[]; attachments?: AttachmentStore; baseUrl?: () => string }): express.Router {
  const router = express.Router();
  for (const pack of packs) {
    for (const intake of pack.intake ?? []) {
      if (!/^[a-z][a-z0-9-]*$/.test(intake.path)) throw new Error(`pack ${pack.key}: the intake path "${intake.path}" must be one plain segment`);
      mountIntake(router, imsflow, pack.key, intake, attachments, baseUrl);
    }
  }
  return router;
}

function mountIntake(router: express.Router, imsflow: ProcessEngine, key: string, intake: PackIntake, attachments: AttachmentStore | undefined, baseUrl: () => string): void {
  const base = `/${intake.path}/:site`;
  const limiter = new LoginRateLimiter(intake.perMinute ?? 10, () => imsflow.clock.now().getTime());
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 30, fieldSize: 20_000, parts: 40 } });

  // a site of the register (active), or one someone active belongs to (as records may take): by its name
  const siteOf = async (req: Request): Promise<{ key: string; name: string }> => {
    const key = String(req.params.site);
    const registered = (await imsflow.queries.sites()).find((s) => s.key === key);
    if (registered?.active) return registered;
    if (!registered && (await imsflow.queries.people({ active: true })).some((person) => person.sites?.includes(key))) return { key, name: key };
    throw new NotFoundError(`no site ${key} takes reports here`);
  };
  const fieldsOf = async (res: Response, sent: Record<string, string>, errors: Record<string, string>): Promise<IntakeField[]> => {
    const { startEvent, form } = await imsflow.startForm(key);
    const reader = readerOf(res);
    return intake.fields.flatMap((name) => {
      const field = form.find((f) => f.key === name);
      if (!field) return [];
      const words = fieldWords(reader, { definitionKey: key, elementId: startEvent }, field);
      return [{ field, label: words.label, options: (field.options ?? []).map((o) => ({ value: o.value, label: words.option(o) })), ...(sent[name] !== undefined && { value: sent[name] }), ...(errors[name] && { error: errors[name] }) }];
    });
  };
  const sendForm = async (req: Request, res: Response, status: number, site: { key: string; name: string }, sent: Record<string, string>, errors: Record<string, string>) => {
    const reader = readerOf(res);
    const fields = await fieldsOf(res, sent, errors);
    const problems = fields.filter((f) => f.error).map((f) => ({ id: `intake-${f.field.key}`, message: `${f.label}: ${f.error}` }));
    const state = { title: reader.t(intake.messages.title, { site: site.name }), intro: reader.t(intake.messages.intro, { site: site.name }), action: `/${intake.path}/${encodeURIComponent(site.key)}`, fields, problems };
    sendDocument(res, status, <IntakeFormPage state={state} />);
  };

  router.get(base, async (req, res) => {
    const site = await siteOf(req);
    const preset = intake.preset && typeof req.query[intake.preset] === 'string' ? { [intake.preset]: req.query[intake.preset] as string } : {};
    await sendForm(req, res, 200, site, preset, {});
  });

  router.post(base, async (req, res) => {
    const site = await siteOf(req);
    // counted before the body is read: a flood costs no parsing
    if (!limiter.allow(clientAddress(req))) {
      sendDocument(res.set('Retry-After', '60'), 429, <IntakeRefusedPage again={`/${intake.path}/${encodeURIComponent(site.key)}`} />);
      return;
    }
    const reader = readerOf(res);
    const parse = upload.single(fileField(intake, await imsflow.startForm(key)));
    try {
      await new Promise<void>((resolve, reject) => parse(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    } catch (err) {
      const tooLarge = (err as { code?: string }).code === 'LIMIT_FILE_SIZE';
      throw new ValidationError(tooLarge ? 'the photo is too large' : 'the report could not be read', [{ field: 'body', message: tooLarge ? reader.t('intake.tooLarge') : reader.t('intake.unreadable') }]);
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sent: Record<string, string> = {};
    for (const name of intake.fields) if (typeof body[name] === 'string' && body[name] !== '') sent[name] = (body[name] as string).trim();
    const errors: Record<string, string> = {};
    const variables: Record<string, unknown> = { ...sent };
    const file = req.file && req.file.size > 0 ? req.file : undefined;
    let photo: { ref: { sha256: string; name: string; size: number; contentType: string }; field: string; bytes: Buffer } | undefined;
    if (file) {
      const checked = checkUpload({ buffer: file.buffer, originalname: file.originalname, mimetype: file.mimetype });
      if (!checked.ok || !['image/png', 'image/jpeg'].includes(checked.ref.contentType)) errors[file.fieldname] = reader.t('intake.notAPhoto');
      else if (!attachments) errors[file.fieldname] = reader.t('intake.noStore');
      else {
        photo = { ref: checked.ref, field: file.fieldname, bytes: file.buffer };
        variables[file.fieldname] = checked.ref;
      }
    }
    let checkedVariables: Record<string, unknown> = {};
    try {
      checkedVariables = await imsflow.checkStartData(key, variables, site.key);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const problem of err.fields) errors[problem.field] ??= problem.message;
    }
    if (Object.keys(errors).length) {
      await sendForm(req, res, 400, site, sent, errors);
      return;
    }
    const reference = receiptReference();
    const actor = intakeActor(site.key);
    if (photo) await attachments!.save(photo.bytes);
    const now = imsflow.clock.now().toISOString();
    await imsflow.start(key, { variables: { ...checkedVariables, intakeReceipt: reference }, site: site.key }, actor, (started) => ({
      audit: [
        auditEvent(imsflow.clock, { at: now, actor, action: 'intake.received', target: `intake:${intake.path}/${site.key}`, instanceId: started.id, new: { site: site.key, receipt: reference, businessKey: started.businessKey } }),
        ...(photo ? [auditEvent(imsflow.clock, { at: now, actor, action: 'attachment.uploaded', target: `attachment:${photo.ref.sha256}`, instanceId: started.id, new: { task: 'intake', field: photo.field, name: photo.ref.name, size: photo.ref.size, contentType: photo.ref.contentType } })] : []),
      ],
    }));
    res.redirect(303, `/${intake.path}/${encodeURIComponent(site.key)}/receipt?ref=${reference}`);
  });

  router.get(`${base}/receipt`, async (req, res) => {
    const site = await siteOf(req);
    const reference = typeof req.query.ref === 'string' && RECEIPT.test(req.query.ref) ? req.query.ref : undefined;
    if (!reference) throw new NotFoundError('no such receipt');
    const reader = readerOf(res);
    const title = reader.t(intake.messages.title, { site: site.name });
    sendDocument(res, 200, <IntakeReceiptPage title={title} text={reader.t(intake.messages.receipt)} reference={reference} again={`/${intake.path}/${encodeURIComponent(site.key)}`} />);
  });

  router.get(`${base}/poster`, requireSignIn, async (req, res) => {
    const site = await siteOf(req);
    const reader = readerOf(res);
    const { startEvent, form } = await imsflow.startForm(key);
    const presetField = intake.preset ? form.find((f) => f.key === intake.preset) : undefined;
    const wanted = typeof req.query[intake.preset ?? ''] === 'string' ? String(req.query[intake.preset!]) : undefined;
    const options = (presetField?.options ?? []).filter((o) => wanted === undefined || o.value === wanted);
    if (wanted !== undefined && !options.length) throw new ValidationError(`unknown ${intake.preset}`, [{ field: intake.preset!, message: `one of ${(presetField?.options ?? []).map((o) => o.value).join(', ')}` }]);
    // the codes lead where this installation is reached (IMSFLOW_BASE_URL), else where this page was asked from
    const origin = baseUrl().replace(/\/$/, '') || `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const page = `${origin}/${intake.path}/${encodeURIComponent(site.key)}`;
    const targets = presetField ? options.map((o) => ({ area: fieldWords(reader, { definitionKey: key, elementId: startEvent }, presetField).option(o), url: `${page}?${intake.preset}=${encodeURIComponent(o.value)}` })) : [{ area: site.name, url: page }];
    const posters = await Promise.all(
      targets.map(async (target) => ({ heading: target.area, text: reader.t(intake.messages.posterText, { site: site.name, area: target.area }), url: target.url, qr: await QRCode.toDataURL(target.url, { margin: 1, width: 240 }) })),
    );
    sendDocument(res, 200, <IntakePosterPage title={reader.t(intake.messages.poster, { site: site.name })} posters={posters} />);
  });
}

/** The one file field the intake asks, for the upload parser. */
function fileField(intake: PackIntake, start: { form: { key: string; type: string }[] }): string {
  return intake.fields.find((name) => start.form.find((f) => f.key === name)?.type === 'file') ?? 'photo';
}
