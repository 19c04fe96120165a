import { createHash } from 'node:crypto';
import type { ProcessSpec } from '../../kernel/bpmn/validate.js';
import { NotFoundError } from '../../kernel/errors.js';
import type { DefinitionRecord, DefinitionSource, DraftRecord, VersionApproval } from '../../kernel/model.js';
import { type SignatureRecord, type SignedContent, hashRecord, manifestation } from '../signatures/index.js';
import type { ChangeControlHost, TrainingItem, VersionStatus, VersionView } from './model.js';
import { coverageOf, trainingRecords } from './training.js';

/** Versions of a process: how the next one is stored, what a review signs, and the version history with approvals. */

/** What a review signature covers: the change as submitted (its XML by hash) and the decision on it. */
export function changeContent(draft: DraftRecord, decision: 'approve' | 'reject', reason: string, xmlHash: string): SignedContent {
  return JSON.parse(
    JSON.stringify({
      instanceId: `process:${draft.key}`,
      businessKey: `${draft.key} change ${draft.id}`,
      definition: { key: draft.key, version: draft.baseVersion ?? 0 },
      taskId: `draft:${draft.id}`,
      elementId: 'change-review',
      taskName: `Review of the change to ${draft.name}`,
      data: { decision, reason, xmlSha256: xmlHash, revision: draft.revision, changeReason: draft.reason ?? '', impact: draft.impact ?? '', author: draft.createdBy, editors: draft.editors },
      priorOutput: {},
    }),
  ) as SignedContent;
}

export function approvalOf(signature: SignatureRecord, reason: string): VersionApproval {
  return { signatureId: signature.id, signer: signature.userId, name: signature.printedName, meaning: signature.meaning, signedAt: signature.signedAt, reason };
}

/**
 * The next version of a process as stored, whichever way it comes in (deployment of a file, or publication
 * of a reviewed change, which adds its change and approvals).
 */
export function nextVersion(
  spec: ProcessSpec,
  xml: string,
  latest: DefinitionRecord | undefined,
  at: { at: string; actor: string; effectiveAt: string; via: DefinitionSource },
): DefinitionRecord {
  return {
    key: spec.key,
    version: (latest?.version ?? 0) + 1,
    name: spec.name,
    hash: sha256(xml),
    xml,
    ...(spec.businessKeyPrefix && { businessKeyPrefix: spec.businessKeyPrefix }),
    ...(spec.ownerRole && { ownerRole: spec.ownerRole }),
    deployedAt: at.at,
    deployedBy: at.actor,
    effectiveAt: at.effectiveAt,
    via: at.via,
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Every version of a process, newest first: how it came in, its approvals, whether it is in effect, how many run on it. */
export async function versionsOf(host: ChangeControlHost, key: string, visible: (item: TrainingItem) => boolean = () => true): Promise<VersionView[]> {
  const definitions = (await host.store.listDefinitions()).filter((d) => d.key === key);
  if (!definitions.length) throw new NotFoundError(`no process "${key}" is deployed`);
  const [counts, effective, training, signatures] = await Promise.all([
    host.store.countInstancesByVersion(key),
    host.effective(key),
    trainingRecords(host, { processKey: key }),
    host.store.listSignatures({ instanceId: `process:${key}` }),
  ]);
  const now = host.clock.now().toISOString();
  return definitions
    .sort((a, b) => b.version - a.version)
    .map((d) => {
      const instances = { running: 0, completed: 0, cancelled: 0, incident: 0 };
      for (const c of counts.filter((c) => c.version === d.version)) instances[c.status] += c.count;
      const effectiveAt = d.effectiveAt ?? d.deployedAt;
      const status: VersionStatus = effective?.version === d.version ? 'effective' : effectiveAt > now ? 'scheduled' : 'superseded';
      return {
        version: d.version,
        name: d.name,
        hash: d.hash,
        deployedAt: d.deployedAt,
        deployedBy: d.deployedBy,
        effectiveAt,
        status,
        via: d.via ?? (d.deployedBy === 'system' ? 'shipped' : 'upload'),
        ...(d.draftId && { draftId: d.draftId }),
        ...(d.change && { change: d.change }),
        approvals: (d.approvals ?? []).map((a) => {
          const signature = signatures.find((s) => s.id === a.signatureId);
          const valid = Boolean(signature && hashRecord(signature.content) === signature.recordHash && signature.content.data.xmlSha256 === d.hash && signature.content.data.decision === 'approve');
          return { ...a, valid, text: signature ? manifestation(signature).text : `${a.meaning} by ${a.name}` };
        }),
        instances,
        // the same people as the version's training list (trainingCoverage): a reader's sites, never more
        training: coverageOf(training.filter((t) => t.version === d.version && visible(t.item)).map((t) => t.item)),
      };
    });
}

// ---- training ------------------------------------------------------------------------------------
