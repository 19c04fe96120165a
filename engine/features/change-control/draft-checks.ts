import type { CheckResult, DefinitionProblem } from '../../kernel/bpmn/lint.js';
import { problemMessage } from '../../kernel/bpmn/problem-words.js';
import { ConflictError, InvalidDefinitionError } from '../../kernel/errors.js';
import { OPEN_DRAFT_STATUSES, type DefinitionRecord, type DraftRecord } from '../../kernel/model.js';
import type { ChangeControlHost } from './model.js';

/** Checks of a draft against the store and the rule set, before it is saved, submitted or published. */

/** The deployment rule set, plus: the process id is the draft's key, and the version it is based on is still the latest. */
export async function problemsOf(host: ChangeControlHost, draft: DraftRecord, alreadyChecked?: CheckResult): Promise<DefinitionProblem[]> {
  let checked: CheckResult;
  try {
    checked = alreadyChecked ?? (await host.check(draft.xml));
  } catch (err) {
    if (err instanceof InvalidDefinitionError) return err.problems;
    throw err;
  }
  const problems = [...checked.problems];
  if (checked.spec && checked.spec.key !== draft.key) {
    const args = { kind: 'process', ...(checked.spec.name && { name: checked.spec.name }), key: draft.key };
    problems.unshift({ element: checked.spec.key, message: problemMessage('key-changed', args), code: 'key-changed', args });
  }
  return problems;
}

export async function refuseSecondDraft(host: ChangeControlHost, key: string): Promise<void> {
  const [open] = await host.store.listDrafts({ key, status: [...OPEN_DRAFT_STATUSES], limit: 1 });
  if (open) {
    throw new ConflictError(`process "${key}" has an open draft already (${open.id}, ${open.status}, started by ${open.createdBy}): continue it, or withdraw it first`, {
      draft: { id: open.id, status: open.status, createdBy: open.createdBy, updatedAt: open.updatedAt },
    });
  }
}

/** A version deployed since the draft was started would be overwritten unseen: refuse. Returns the latest version. */
export async function refuseStaleBase(host: ChangeControlHost, draft: DraftRecord): Promise<DefinitionRecord | undefined> {
  const latest = await host.store.getDefinition(draft.key);
  if ((latest?.version ?? 0) === (draft.baseVersion ?? 0)) return latest;
  throw new ConflictError(
    `version ${latest!.version} of ${draft.key} was deployed (by ${latest!.deployedBy} at ${latest!.deployedAt}) after this draft was started from ${draft.baseVersion ? `version ${draft.baseVersion}` : 'nothing'}: publishing it would overwrite that version unseen. Withdraw this draft and start a new one from version ${latest!.version}`,
    { latestVersion: latest!.version },
  );
}
