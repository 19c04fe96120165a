import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { INSTALLATION_DEFAULTS, isTimeZone, readerSettingsOf, type ReaderDefaults } from '../../kernel/i18n/index.js';
import type { AuditEvent, InstanceRecord, SignatureMeaning, TaskRecord } from '../../kernel/model.js';

/**
 * Electronic signatures (21 CFR Part 11, EU GMP Annex 11 §14).
 *
 * - Manifestation (11.50): a signature names the signer's printed name, the date and time with its time
 *   zone, and the meaning (authored, reviewed, approved, verified).
 * - Linking (11.70): `recordHash` is the SHA-256 of the canonical serialization of exactly what was signed
 *   (see `SignedContent`), so a signature verifies only against the record it was made on: copied to
 *   another task, or left on a record whose data changed, it no longer matches.
 * - Components (11.200) are checked by the caller (accounts.reauthenticate) before the engine records the
 *   signature; `method` says which were given.
 *
 * A signature record is written once, in the same transaction as the task completion it signs, with a
 * `task.signed` audit event; stores never update or delete one.
 */

export type SignatureMethod = 'password' | 'password+userid';

/** Exactly what a signature covers: the record as the signer saw and submitted it. */
export interface SignedContent {
  instanceId: string;
  businessKey: string;
  definition: { key: string; version: number };
  taskId: string;
  elementId: string;
  taskName: string;
  /** The submitted form data, as stored on the task (validated and cleaned). */
  data: Record<string, unknown>;
  /** The instance's output before this task: the earlier steps' data the signer signed on top of. */
  priorOutput: Record<string, Record<string, unknown>>;
}

export interface SignatureRecord {
  id: string;
  taskId: string;
  instanceId: string;
  userId: string;
  /** The signer's name at the time of signing, as shown with the signature. */
  printedName: string;
  meaning: SignatureMeaning;
  /** ISO 8601 in UTC. */
  signedAt: string;
  /** The time zone the time is shown in (11.50): the signer's clock when they signed (UTC before issue 15). */
  timeZone: string;
  /** SHA-256 (hex) of the canonical serialization of `content`. */
  recordHash: string;
  method: SignatureMethod;
  /**
   * The signed content as it was signed. The hash alone proves that a record changed; this copy is what
   * says what changed, and it keeps what was signed readable for an inspector.
   */
  content: SignedContent;
}

/** What the engine needs from the caller to sign: who, by which name, and with which components. */
export interface SignatureInput {
  userId: string;
  printedName: string;
  method: SignatureMethod;
}

/** The canonical serialization: JSON values only (as stores keep them), keys sorted at every level. */
export function canonical(content: SignedContent): string {
  return stringify(jsonValue(content)) ?? '';
}

export function hashRecord(content: SignedContent): string {
  return createHash('sha256').update(canonical(content)).digest('hex');
}

/**
 * The content a signature of `task` covers. Values pass through JSON, exactly as the stores keep them, so
 * content built from the request at signing and content built from stored records later hash the same.
 */
export function recordContent(input: {
  instance: Pick<InstanceRecord, 'id' | 'businessKey' | 'key' | 'version'>;
  task: Pick<TaskRecord, 'id' | 'elementId' | 'name'>;
  data: Record<string, unknown>;
  priorOutput: Record<string, Record<string, unknown>>;
}): SignedContent {
  const { instance, task } = input;
  return jsonValue({
    instanceId: instance.id,
    businessKey: instance.businessKey,
    definition: { key: instance.key, version: instance.version },
    taskId: task.id,
    elementId: task.elementId,
    taskName: task.name,
    data: input.data ?? {},
    priorOutput: input.priorOutput ?? {},
  });
}

export type SignatureCheck =
  | { valid: true; status: 'matches' }
  | {
      valid: false;
      status: 'no longer matches';
      /** What differs between the record as signed and as it is now, e.g. `data.evidence changed`. */
      changes: string[];
      summary: string;
    };

/**
 * Checks a signature against the record as it is now: it matches when the current content hashes to the
 * signature's recordHash and the signature's own copy of what was signed still does too.
 */
export function verifySignature(signature: SignatureRecord, currentContent: SignedContent): SignatureCheck {
  const signedCopy = signature.content as SignedContent | undefined;
  const copyIntact = signedCopy !== undefined && hashRecord(signedCopy) === signature.recordHash;
  if (copyIntact && hashRecord(currentContent) === signature.recordHash) return { valid: true, status: 'matches' };
  const changes = signedCopy ? differences(jsonValue(signedCopy), jsonValue(currentContent)) : [];
  if (!signedCopy) changes.push('the signed content is not kept with the signature');
  else if (!copyIntact) changes.push('the signed content kept with the signature does not match its hash');
  if (!changes.length) changes.push('the record does not match the signed hash');
  return { valid: false, status: 'no longer matches', changes, summary: `the record no longer matches its signature: ${changes.join('; ')}` };
}

/**
 * The content to check a signature of `task` against, from current records. The output before the task
 * is rebuilt from the instance's completed tasks (the data of the latest completion of each element
 * before this task, in the order the audit trail recorded them); entries no task record holds (a service
 * task's result) come from the signed copy, since the instance keeps only their latest value.
 */
export function currentContent(
  signature: Pick<SignatureRecord, 'content'>,
  instance: Pick<InstanceRecord, 'id' | 'businessKey' | 'key' | 'version'>,
  task: TaskRecord,
  instanceTasks: TaskRecord[],
  history: Pick<AuditEvent, 'seq' | 'action' | 'target'>[],
): SignedContent {
  const signedPrior = signature.content?.priorOutput ?? {};
  const completionSeq = new Map<string, number>();
  const creationSeq = new Map<string, number>();
  for (const event of history) {
    if (event.action === 'task.completed' && event.target.startsWith('task:')) completionSeq.set(event.target.slice(5), event.seq);
    if (event.action === 'task.created' && event.target.startsWith('task:')) creationSeq.set(event.target.slice(5), event.seq);
  }
  const order = (t: TaskRecord) => completionSeq.get(t.id) ?? Number.POSITIVE_INFINITY;
  const completed = instanceTasks
    .filter((t) => t.status === 'completed' && t.instanceId === task.instanceId)
    .sort((a, b) => order(a) - order(b) || (a.completedAt ?? '').localeCompare(b.completedAt ?? '') || a.id.localeCompare(b.id));
  const position = completed.findIndex((t) => t.id === task.id);
  const before = position === -1 ? completed.filter((t) => order(t) < order(task)) : completed.slice(0, position);
  const userTaskElements = new Set(instanceTasks.map((t) => t.elementId));
  const prior: Record<string, Record<string, unknown>> = {};
  for (const [element, value] of Object.entries(signedPrior)) if (!userTaskElements.has(element)) prior[element] = value;
  for (const t of before) if (!t.iteration) prior[t.elementId] = t.data ?? {};
  // A multi-instance task's output is the list of its latest round's completed iterations (runtime.ts).
  const signedAt = order(task);
  const created = (t: TaskRecord) => creationSeq.get(t.id) ?? Number.POSITIVE_INFINITY;
  const iterations = instanceTasks.filter((t) => t.iteration && t.instanceId === task.instanceId && created(t) < signedAt).sort((a, b) => created(a) - created(b));
  const done = new Set(before.map((t) => t.id));
  for (const element of new Set(iterations.map((t) => t.elementId))) {
    let round: TaskRecord[] = [];
    for (const t of iterations.filter((x) => x.elementId === element)) {
      // a new round begins where the index starts again
      if (round.length && t.iteration!.index <= round[round.length - 1].iteration!.index) round = [];
      round.push(t);
    }
    prior[element] = round
      .filter((t) => done.has(t.id))
      .sort((a, b) => a.iteration!.index - b.iteration!.index)
      .map((t) => ({ index: t.iteration!.index, item: t.iteration!.item, data: t.data ?? {} })) as unknown as Record<string, unknown>;
  }
  return recordContent({ instance, task, data: task.data ?? {}, priorOutput: prior });
}

// ---- manifestation ---------------------------------------------------------------------------------

const MEANING_WORDS: Record<SignatureMeaning, { label: string; confirm: string }> = {
  authored: { label: 'Authored', confirm: 'you are the author of' },
  reviewed: { label: 'Reviewed', confirm: 'you reviewed' },
  approved: { label: 'Approved', confirm: 'you approve' },
  verified: { label: 'Verified', confirm: 'you verified' },
};

/** The meaning as a word: "Verified". */
export function meaningLabel(meaning: SignatureMeaning): string {
  return MEANING_WORDS[meaning]?.label ?? meaning;
}

/** What signing means, in words, before signing: "By signing you confirm you verified …". */
export function meaningStatement(meaning: SignatureMeaning, task: Pick<TaskRecord, 'name' | 'businessKey'>): string {
  const confirm = MEANING_WORDS[meaning]?.confirm ?? `you ${meaning}`;
  return `By signing you confirm ${confirm} “${task.name}” for ${task.businessKey}, with the data entered here.`;
}

/**
 * The clock a signer signs on: their own zone, else their site's, else the installation's. The signature
 * keeps it (`timeZone`) so its time is shown as the signer read it; `signedAt` stays UTC.
 */
export function signerZone(signer: { timeZone?: string; sites?: string[] } | undefined, readers: ReaderDefaults = INSTALLATION_DEFAULTS): string {
  const zone = readerSettingsOf(signer, readers).timeZone;
  return isTimeZone(zone) ? zone : 'UTC';
}

/**
 * The signing time as shown with the signature (11.50), on the signer's clock with its zone and offset:
 * `2026-05-04 07:00:00 UTC`, `2026-05-04 09:00:00 Europe/Zurich (UTC+02:00)`. Language-neutral: the
 * stored and exported manifestation; pages show it in the reader's language (api/pages/components/Signature.tsx).
 */
export function signedTime(signature: Pick<SignatureRecord, 'signedAt' | 'timeZone'>): string {
  const zone = signature.timeZone && signature.timeZone !== 'UTC' && isTimeZone(signature.timeZone) ? signature.timeZone : undefined;
  if (!zone) return `${signature.signedAt.slice(0, 19).replace('T', ' ')} UTC`;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(signature.signedAt));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace(/^GMT/, 'UTC') || 'UTC';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${zone} (${offset === 'UTC' ? 'UTC+00:00' : offset})`;
}

export interface Manifestation {
  printedName: string;
  meaning: SignatureMeaning;
  signedAt: string;
  timeZone: string;
  /** `Verified by Dana Scully on 2026-05-04 07:00:00 UTC` (English: the manifestation as exported and returned by the API) */
  text: string;
}

/** The signature as shown wherever the signed record is shown (11.50). */
export function manifestation(signature: Pick<SignatureRecord, 'printedName' | 'meaning' | 'signedAt' | 'timeZone'>): Manifestation {
  return {
    printedName: signature.printedName,
    meaning: signature.meaning,
    signedAt: signature.signedAt,
    timeZone: signature.timeZone,
    text: `${meaningLabel(signature.meaning)} by ${signature.printedName} on ${signedTime(signature)}`,
  };
}

/** A signature as shown with its record: checked against the current data, with its manifestation. */
export interface SignatureView extends SignatureRecord {
  valid: boolean;
  status: SignatureCheck['status'];
  changes?: string[];
  manifestation: Manifestation;
}

/**
 * Checks a signature against its `task.signed` audit event (hash-chained, so it cannot be edited unseen):
 * a signature record that the audit trail does not record as made, or whose signer, meaning, time or
 * hash differ from what was recorded, is not genuine.
 */
export function auditMismatch(signature: SignatureRecord, history: Pick<AuditEvent, 'action' | 'target' | 'new'>[]): string | undefined {
  const event = history.find((e) => e.action === 'task.signed' && (e.new as { signature?: unknown } | undefined)?.signature === signature.id);
  if (!event) return 'the audit trail records no such signature';
  const recorded = event.new as Record<string, unknown>;
  const differing = (
    [
      ['taskId', `task:${signature.taskId}` === event.target],
      ['userId', recorded.userId === signature.userId],
      ['printedName', recorded.printedName === signature.printedName],
      ['meaning', recorded.meaning === signature.meaning],
      ['signedAt', recorded.signedAt === signature.signedAt],
      ['recordHash', recorded.recordHash === signature.recordHash],
    ] as const
  )
    .filter(([, same]) => !same)
    .map(([field]) => field);
  return differing.length ? `the signature differs from the audit trail in ${differing.join(', ')}` : undefined;
}

/** Checks a signature against the current content and its audit event, and adds its manifestation. */
export function signatureView(signature: SignatureRecord, current: SignedContent | undefined, history: Pick<AuditEvent, 'action' | 'target' | 'new'>[]): SignatureView {
  const check: SignatureCheck = current
    ? verifySignature(signature, current)
    : { valid: false, status: 'no longer matches', changes: ['the signed task no longer exists'], summary: 'the signed task no longer exists' };
  const changes = check.valid ? [] : [...check.changes];
  const audit = auditMismatch(signature, history);
  if (audit) changes.push(audit);
  const valid = changes.length === 0;
  return { ...signature, valid, status: valid ? 'matches' : 'no longer matches', ...(!valid && { changes }), manifestation: manifestation(signature) };
}

// ---- helpers -----------------------------------------------------------------------------------------

function jsonValue<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths where two JSON values differ: objects are compared key by key, anything else whole. */
function differences(signed: unknown, now: unknown, path = ''): string[] {
  if (isPlainObject(signed) && isPlainObject(now)) {
    const keys = [...new Set([...Object.keys(signed), ...Object.keys(now)])].sort();
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!(key in now)) return [`${at} removed`];
      if (!(key in signed)) return [`${at} added`];
      return differences(signed[key], now[key], at);
    });
  }
  return stringify(signed) === stringify(now) ? [] : [`${path || 'record'} changed`];
}
