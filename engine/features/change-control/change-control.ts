import { randomUUID } from 'node:crypto';
import { diffDefinitions } from '../../kernel/bpmn/diff.js';
import type { DefinitionProblem } from '../../kernel/bpmn/lint.js';
import { parseBpmnXml } from '../../kernel/bpmn/parse.js';
import { ConflictError, type FieldError, InvalidDefinitionError, NotFoundError, NotPermittedError, RevisionConflict, ValidationError } from '../../kernel/errors.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { type AuditInput, type DefinitionRecord, type DraftRecord, type DraftStatus, OPEN_DRAFT_STATUSES } from '../../kernel/model.js';
import { type SignatureInput, type SignatureRecord, hashRecord, signerZone } from '../signatures/index.js';
import type { ChangeSet, CommitStore } from '../../ports/commit-store.js';
import type { RecordStore } from '../../ports/record-store.js';
import { KEY, blankProcess, importedProcess, nameOf } from './bpmn-files.js';
import { problemsOf, refuseSecondDraft, refuseStaleBase } from './draft-checks.js';
import { checkRevision, dateInput, notEditable, optionalText, requiredText } from './inputs.js';
import type { ChangeControlHost, ChangesView, DraftSummary, DraftView, OutstandingItem, TrainingItem, VersionView } from './model.js';
import { outcomeJobs, reviewJobs } from './notices.js';
import { mergeStarts, outstandingTraining, trainingChange, trainingCoverage, trainingDueFor } from './training.js';
import { approvalOf, changeContent, nextVersion, sha256, versionsOf } from './versions.js';

/**
 * Change control of process definitions (ISO 9001 7.5.3, 21 CFR 11.10(k)): a process changes only through
 * a draft that is edited (autosaved under an optimistic lock), submitted with a reason and an impact
 * note, checked by the deployment rule set, reviewed and signed by someone who did not edit it, and
 * published as the next version from an effective date. Every step is an audit event committed with it.
 *
 * Publishing gives everyone in the roles that act in the process a "read and understood" task for the new
 * version (the shipped process `training-acknowledgement`), so reminders, email links and the audit trail
 * work as for every task.
 *
 * A review signature has no task: it is kept in the signatures store like a task's, keyed
 * `taskId = draft:<draft id>`, `instanceId = process:<key>`, and signs `changeContent` (the XML's SHA-256,
 * the change's reason and impact, the decision and its reason). Its audit event is `change.signed`.
 */

export class ChangeControl {
  constructor(private readonly host: ChangeControlHost) {}

  private get store(): RecordStore & CommitStore {
    return this.host.store;
  }

  // ---- drafts --------------------------------------------------------------------------------------

  async listDrafts(query: { key?: string; status?: DraftStatus[] } = {}): Promise<DraftSummary[]> {
    return (await this.store.listDrafts(query)).map(({ xml: _xml, ...rest }) => rest);
  }

  async getDraft(id: string): Promise<DraftView> {
    const draft = await this.draft(id);
    return { ...draft, problems: await problemsOf(this.host, draft) };
  }

  /**
   * Starts a draft: `{key}` a new process from a blank diagram (or, for a process that exists, its latest
   * version); `{key, fromVersion}` an edit of that version (restoring it when it is not the latest);
   * `{xml}` an imported file, its key taken from its executable process.
   */
  async createDraft(input: { key?: unknown; fromVersion?: unknown; xml?: unknown; reason?: unknown }, actor: string): Promise<DraftView> {
    const fields: FieldError[] = [];
    const reason = optionalText(input.reason, 'reason', fields);
    if (input.xml !== undefined && typeof input.xml !== 'string') fields.push({ field: 'xml', message: 'must be the BPMN XML as a string' });
    if (input.key !== undefined && (typeof input.key !== 'string' || !KEY.test(input.key))) fields.push({ field: 'key', message: 'a process id: a letter or "_", then letters, digits, "_" or "-" (at most 64)' });
    if (input.fromVersion !== undefined && (!Number.isInteger(input.fromVersion) || (input.fromVersion as number) < 1)) fields.push({ field: 'fromVersion', message: 'must be a version number from 1' });
    if (input.xml === undefined && input.key === undefined) fields.push({ field: 'key', message: 'give the process id (key), or the BPMN file (xml)' });
    if (input.xml !== undefined && input.fromVersion !== undefined) fields.push({ field: 'fromVersion', message: 'give either a version to start from or a file to import, not both' });
    if (fields.length) throw new ValidationError('invalid draft', fields);

    const keyGiven = input.key as string | undefined;
    // an imported file is checked first (off the event loop, with a budget): a refused one leaves nothing
    const checked = typeof input.xml === 'string' ? await this.host.check(input.xml) : undefined;
    const imported = checked ? importedProcess(checked) : undefined;
    const key = imported?.key ?? keyGiven!;
    if (imported && keyGiven !== undefined && keyGiven !== key) throw new ValidationError('the file is of another process', [{ field: 'key', message: `the file's executable process is "${key}", not "${keyGiven}"` }]);
    const latest = await this.store.getDefinition(key);
    let xml: string;
    let restoredFrom: number | undefined;
    if (imported) {
      xml = input.xml as string;
    } else if (input.fromVersion !== undefined) {
      const from = await this.store.getDefinition(key, input.fromVersion as number);
      if (!from) throw new NotFoundError(latest ? `process "${key}" has no version ${input.fromVersion as number} (latest: ${latest.version})` : `no process "${key}" is deployed`);
      xml = from.xml;
      if (from.version !== latest!.version) restoredFrom = from.version;
    } else {
      xml = latest ? latest.xml : blankProcess(key);
    }
    await refuseSecondDraft(this.host, key);
    const now = this.now();
    const draft: DraftRecord = {
      id: randomUUID(),
      key,
      name: (imported ? imported.name : await nameOf(xml)) ?? key,
      status: 'draft',
      xml,
      revision: 0,
      ...(latest && { baseVersion: latest.version }),
      ...(restoredFrom !== undefined && { restoredFrom }),
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      updatedBy: actor,
      editors: [actor],
      ...(reason && { reason }),
    };
    await this.commit(
      { drafts: [{ record: draft, expectedRevision: null }] },
      auditEvent(this.host.clock, {
        actor,
        action: 'draft.created',
        target: `draft:${draft.id}`,
        new: { key, status: 'draft', revision: 0, baseVersion: draft.baseVersion ?? null, restoredFrom, source: typeof input.xml === 'string' ? 'import' : latest ? 'version' : 'blank', xmlSha256: sha256(xml) },
        reason: reason ?? (restoredFrom !== undefined ? `restore of version ${restoredFrom}` : undefined),
      }),
    );
    return { ...draft, problems: await problemsOf(this.host, draft, checked) };
  }

  /**
   * Autosave. `revision` is the revision the editor started from: when someone saved since, nothing is
   * written and the 409 says who and when (ConflictError with `current`). A rejected draft becomes a
   * draft again. An XML that does not parse is refused (422) and nothing is written.
   */
  async saveDraft(id: string, input: { xml?: unknown; revision?: unknown }, actor: string): Promise<{ revision: number; updatedAt: string; problems: DefinitionProblem[]; status: DraftStatus }> {
    const fields: FieldError[] = [];
    if (typeof input.xml !== 'string' || !input.xml.trim()) fields.push({ field: 'xml', message: 'is required: the BPMN XML' });
    if (!Number.isInteger(input.revision)) fields.push({ field: 'revision', message: 'is required: the revision you edited' });
    if (fields.length) throw new ValidationError('invalid save', fields);
    const xml = input.xml as string;
    // checked before anything is written: a file too costly to check, or one that does not parse, is refused
    const checked = await this.host.check(xml);
    const name = checked.process?.name || undefined;
    const draft = await this.draft(id);
    if (draft.status !== 'draft' && draft.status !== 'rejected') throw notEditable(draft);
    checkRevision(draft, input.revision as number);
    const now = this.now();
    const saved: DraftRecord = {
      ...draft,
      xml,
      name: name ?? draft.name,
      status: 'draft',
      revision: draft.revision + 1,
      updatedAt: now,
      updatedBy: actor,
      editors: draft.editors.includes(actor) ? draft.editors : [...draft.editors, actor],
    };
    try {
      await this.store.commit({
        drafts: [{ record: saved, expectedRevision: draft.revision }],
        audit: [
          auditEvent(this.host.clock, {
            actor,
            action: 'draft.saved',
            target: `draft:${saved.id}`,
            old: { revision: draft.revision, status: draft.status, xmlSha256: sha256(draft.xml) },
            new: { key: saved.key, revision: saved.revision, status: saved.status, xmlSha256: sha256(xml), bytes: Buffer.byteLength(xml) },
          }),
        ],
      });
    } catch (err) {
      // saved by someone else between our read and our write: the same answer as a stale revision
      if (err instanceof RevisionConflict) checkRevision(await this.draft(id), draft.revision);
      throw err;
    }
    return { revision: saved.revision, updatedAt: now, status: saved.status, problems: await problemsOf(this.host, saved, checked) };
  }

  /** Submits for review: the deployment rule set must pass (422 with the problems otherwise). */
  async submit(id: string, input: { reason?: unknown; impact?: unknown; revision?: unknown }, actor: string): Promise<DraftRecord> {
    const fields: FieldError[] = [];
    const reason = requiredText(input.reason, 'reason', 'the reason for the change', fields);
    const impact = requiredText(input.impact, 'impact', 'the impact of the change (on running records, people, training, other processes)', fields);
    if (!Number.isInteger(input.revision)) fields.push({ field: 'revision', message: 'is required: the revision you submit' });
    if (fields.length) throw new ValidationError('invalid submission', fields);
    const draft = await this.draft(id);
    if (draft.status !== 'draft' && draft.status !== 'rejected') throw notEditable(draft);
    checkRevision(draft, input.revision as number);
    const problems = await problemsOf(this.host, draft);
    if (problems.length) throw new InvalidDefinitionError(problems);
    await refuseStaleBase(this.host, draft);
    const now = this.now();
    const submitted: DraftRecord = {
      ...draft,
      status: 'in-review',
      revision: draft.revision + 1,
      reason,
      impact,
      submittedAt: now,
      submittedBy: actor,
      updatedAt: now,
      updatedBy: actor,
      editors: draft.editors.includes(actor) ? draft.editors : [...draft.editors, actor],
    };
    await this.commit(
      // the reviewers are told, and reminded while it waits, by jobs committed with the submission
      { drafts: [{ record: submitted, expectedRevision: draft.revision }], scheduleJobs: reviewJobs(submitted, this.host.clock.now(), this.host.reviewRemindEvery) },
      auditEvent(this.host.clock, {
        actor,
        action: 'draft.submitted',
        target: `draft:${submitted.id}`,
        old: { status: draft.status },
        new: { key: submitted.key, status: 'in-review', revision: submitted.revision, xmlSha256: sha256(draft.xml), baseVersion: draft.baseVersion ?? null, impact },
        reason,
      }),
    );
    return submitted;
  }

  /**
   * Whether `actor` may review the draft now: it is in review and they did not edit it. Asked before the
   * signer's password is checked, so a refusal costs no signing attempt; `review` asks again.
   */
  async checkReviewer(id: string, actor: string): Promise<DraftRecord> {
    const draft = await this.draft(id);
    if (draft.status !== 'in-review') throw new ConflictError(`the draft is ${draft.status}, not in review: only a submitted change is reviewed`);
    if (draft.editors.includes(actor)) {
      throw new NotPermittedError(`the author of a change may not approve it: ${actor === draft.createdBy ? 'you started' : 'you edited or submitted'} this draft (separation of duties)`);
    }
    return draft;
  }

  /**
   * Approves or rejects a submitted change with an electronic signature (meaning `approved`, or
   * `reviewed` for a rejection). The caller has re-authenticated the signer (21 CFR 11.200).
   */
  async review(id: string, input: { decision?: unknown; reason?: unknown }, signature: SignatureInput, actor: string): Promise<DraftRecord> {
    const fields: FieldError[] = [];
    if (input.decision !== 'approve' && input.decision !== 'reject') fields.push({ field: 'decision', message: 'must be approve or reject' });
    const reason = requiredText(input.reason, 'reason', 'the reason for your decision', fields);
    if (signature.userId !== actor) fields.push({ field: 'signature', message: 'a signature is made by the reviewer' });
    if (fields.length) throw new ValidationError('invalid review', fields);
    const decision = input.decision as 'approve' | 'reject';
    const draft = await this.checkReviewer(id, actor);
    const now = this.now();
    const xmlHash = sha256(draft.xml);
    const content = changeContent(draft, decision, reason, xmlHash);
    const record: SignatureRecord = {
      id: randomUUID(),
      taskId: `draft:${draft.id}`,
      instanceId: `process:${draft.key}`,
      userId: signature.userId,
      printedName: signature.printedName.trim(),
      meaning: decision === 'approve' ? 'approved' : 'reviewed',
      signedAt: now,
      timeZone: signerZone(await this.host.store.getUser(signature.userId), this.host.readers),
      recordHash: hashRecord(content),
      method: signature.method,
      content,
    };
    const reviewed: DraftRecord = {
      ...draft,
      status: decision === 'approve' ? 'approved' : 'rejected',
      revision: draft.revision + 1,
      review: { decision, by: actor, name: record.printedName, at: now, reason, signatureId: record.id, xmlHash },
      updatedAt: now,
      updatedBy: actor,
    };
    await this.commit(
      { drafts: [{ record: reviewed, expectedRevision: draft.revision }], signatures: [record], scheduleJobs: outcomeJobs(reviewed, this.host.clock.now()) },
      auditEvent(this.host.clock, {
        actor,
        action: decision === 'approve' ? 'draft.approved' : 'draft.rejected',
        target: `draft:${reviewed.id}`,
        old: { status: 'in-review' },
        new: { key: reviewed.key, status: reviewed.status, signature: record.id, xmlSha256: xmlHash },
        reason,
      }),
      auditEvent(this.host.clock, {
        actor,
        action: 'change.signed',
        target: `draft:${reviewed.id}`,
        new: { key: reviewed.key, signature: record.id, userId: record.userId, printedName: record.printedName, meaning: record.meaning, signedAt: record.signedAt, timeZone: record.timeZone, method: record.method, recordHash: record.recordHash },
        reason,
      }),
    );
    return reviewed;
  }

  /**
   * Publishes an approved draft as the next version, in effect from `effectiveAt` (default: now), and
   * gives everyone in the roles that act in the process a read-and-understood task, all in one commit.
   */
  async publish(
    id: string,
    input: { effectiveAt?: unknown; reason?: unknown; trainingDue?: unknown },
    actor: string,
  ): Promise<{ key: string; version: number; effectiveAt: string; training: { assigned: number; dueAt?: string } }> {
    const fields: FieldError[] = [];
    const now = this.host.clock.now();
    const effectiveAt = input.effectiveAt === undefined ? now : dateInput(input.effectiveAt, 'effectiveAt', now, fields);
    const trainingDue = input.trainingDue === undefined ? undefined : dateInput(input.trainingDue, 'trainingDue', now, fields);
    const reason = optionalText(input.reason, 'reason', fields);
    if (fields.length) throw new ValidationError('invalid publication', fields);
    const draft = await this.draft(id);
    if (draft.status !== 'approved') throw new ConflictError(`the draft is ${draft.status}: only an approved change is published`);
    if (!draft.review || draft.review.xmlHash !== sha256(draft.xml)) throw new ConflictError('the draft differs from what was approved: submit it for review again');
    const latest = await refuseStaleBase(this.host, draft);
    const checked = await this.host.check(draft.xml);
    if (!checked.spec || checked.problems.length) throw new InvalidDefinitionError(checked.problems);
    const spec = checked.spec;
    const signatures = await this.store.listSignatures({ taskId: `draft:${draft.id}` });
    const approval = signatures.find((s) => s.id === draft.review!.signatureId);
    const at = now.toISOString();
    const record: DefinitionRecord = {
      ...nextVersion(spec, draft.xml, latest, { at, actor, effectiveAt: effectiveAt.toISOString(), via: 'change-control' }),
      draftId: draft.id,
      change: { reason: draft.reason ?? '', impact: draft.impact ?? '', author: draft.createdBy, ...(draft.restoredFrom !== undefined && { restoredFrom: draft.restoredFrom }) },
      approvals: approval ? [approvalOf(approval, draft.review.reason)] : [],
    };
    const published: DraftRecord = {
      ...draft,
      status: 'published',
      revision: draft.revision + 1,
      publishedVersion: record.version,
      publishedAt: at,
      effectiveAt: record.effectiveAt,
      updatedAt: at,
      updatedBy: actor,
    };
    const change: ChangeSet = {
      definition: record,
      drafts: [{ record: published, expectedRevision: draft.revision }],
      audit: [
        auditEvent(this.host.clock, {
          actor,
          action: 'definition.published',
          target: `definition:${record.key}@${record.version}`,
          old: latest ? { version: latest.version, hash: latest.hash } : undefined,
          new: { key: published.key, version: record.version, hash: record.hash, name: record.name, effectiveAt: record.effectiveAt, via: 'change-control', draft: draft.id, approvedBy: draft.review.by },
          reason: reason ?? draft.reason,
        }),
        auditEvent(this.host.clock, {
          actor,
          action: 'draft.published',
          target: `draft:${published.id}`,
          old: { status: 'approved' },
          new: { key: published.key, status: 'published', version: record.version, effectiveAt: record.effectiveAt },
          reason,
        }),
      ],
    };
    const training = await trainingChange(this.host, record, spec, trainingDue ?? trainingDueFor(effectiveAt, now), actor);
    mergeStarts(change, training.starts);
    await this.commit(change);
    return { key: record.key, version: record.version, effectiveAt: record.effectiveAt!, training: { assigned: training.starts.length, ...(training.starts.length && { dueAt: training.dueAt }) } };
  }

  /**
   * Takes a change back: from review (in review or approved) it becomes an editable draft again and its
   * approval no longer counts; an editable or rejected draft is closed as withdrawn.
   */
  async withdraw(id: string, input: { reason?: unknown }, actor: string): Promise<DraftRecord> {
    const fields: FieldError[] = [];
    const reason = requiredText(input.reason, 'reason', 'why the change is withdrawn', fields);
    if (fields.length) throw new ValidationError('invalid withdrawal', fields);
    const draft = await this.draft(id);
    if (!OPEN_DRAFT_STATUSES.includes(draft.status)) throw new ConflictError(`the draft is ${draft.status} and cannot be withdrawn`);
    const now = this.now();
    const backToDraft = draft.status === 'in-review' || draft.status === 'approved';
    const withdrawn: DraftRecord = {
      ...draft,
      status: backToDraft ? 'draft' : 'withdrawn',
      revision: draft.revision + 1,
      updatedAt: now,
      updatedBy: actor,
      ...(!backToDraft && { closedAt: now, closedBy: actor, closeReason: reason }),
    };
    await this.commit(
      { drafts: [{ record: withdrawn, expectedRevision: draft.revision }] },
      auditEvent(this.host.clock, {
        actor,
        action: backToDraft ? 'draft.withdrawn-from-review' : 'draft.withdrawn',
        target: `draft:${withdrawn.id}`,
        old: { status: draft.status },
        new: { key: withdrawn.key, status: withdrawn.status, revision: withdrawn.revision },
        reason,
      }),
    );
    return withdrawn;
  }

  /** The change a draft makes to the version it is based on: elements, attributes and the XML diff. */
  async changes(id: string): Promise<ChangesView> {
    const draft = await this.draft(id);
    const base = draft.baseVersion !== undefined ? await this.store.getDefinition(draft.key, draft.baseVersion) : undefined;
    // a draft is parsed here only once the budgeted check got through it (TooCostlyError otherwise)
    await this.host.check(draft.xml).catch((err: unknown) => {
      if (!(err instanceof InvalidDefinitionError)) throw err;
    });
    const after = { context: await parseBpmnXml(draft.xml), xml: draft.xml };
    const before = base ? { context: await parseBpmnXml(base.xml), xml: base.xml } : null;
    const diff = diffDefinitions(before, after, { before: base ? `${draft.key} v${base.version}` : '/dev/null', after: `${draft.key} draft r${draft.revision}` });
    return { base: base ? { version: base.version, xml: base.xml } : null, xml: draft.xml, ...diff };
  }

  // ---- versions and training (versions.ts, training.ts) ----------------------------------------------

  /**
   * Every version of a process, newest first: how it came in, its approvals, whether it is in effect, how many
   * run on it, and its training coverage counted over the people `visible` keeps (a reader's sites), as
   * trainingCoverage counts them, so a page shows one count for both.
   */
  async versions(key: string, visible: (item: TrainingItem) => boolean = () => true): Promise<VersionView[]> {
    return versionsOf(this.host, key, visible);
  }

  /**
   * Who was given a version to read, and who acknowledged it: of the people `visible` keeps (a reader's
   * sites), counted without cancelled tasks; `due` is the earliest due date of all.
   */
  async trainingCoverage(key: string, version: number, visible: (item: TrainingItem) => boolean = () => true): Promise<{ due?: string; items: TrainingItem[]; acknowledged: number; total: number }> {
    return trainingCoverage(this.host, key, version, visible);
  }

  /** Open read-and-understood tasks: who is not yet trained on which version, oldest due first. */
  async outstandingTraining(query: { sites?: string[] } = {}): Promise<OutstandingItem[]> {
    return outstandingTraining(this.host, query);
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private async draft(id: string): Promise<DraftRecord> {
    const draft = await this.store.getDraft(id);
    if (!draft) throw new NotFoundError(`no draft ${id}`);
    return draft;
  }


  private async commit(change: Omit<ChangeSet, 'audit'> & { audit?: AuditInput[] }, ...events: AuditInput[]): Promise<void> {
    try {
      await this.store.commit({ ...change, audit: [...events, ...(change.audit ?? [])] });
    } catch (err) {
      if (err instanceof RevisionConflict) throw new ConflictError('the draft changed meanwhile: reload it and try again');
      throw err;
    }
  }

  private now(): string {
    return this.host.clock.now().toISOString();
  }
}
