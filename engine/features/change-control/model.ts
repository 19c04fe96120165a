import type { ReaderDefaults } from '../../kernel/i18n/index.js';
import type { DefinitionDiff } from '../../kernel/bpmn/diff.js';
import type { CheckResult, DefinitionProblem } from '../../kernel/bpmn/lint.js';
import type { Clock } from '../../kernel/clock.js';
import type { DefinitionRecord, DefinitionSource, DraftRecord, VersionApproval } from '../../kernel/model.js';
import type { ChangeSet, CommitStore } from '../../ports/commit-store.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { RecordStore } from '../../ports/record-store.js';

/** What change control offers and needs: its host (the engine), the views of drafts, versions and training. */

export const TRAINING_PROCESS = 'training-acknowledgement';
/** Its task whose completion is the acknowledgement (a later task answers the trainee's questions). */
export const TRAINING_TASK = 'acknowledge';

/** What change control needs from the engine: its rule set and the way it starts instances. */
export interface ChangeControlHost {
  store: RecordStore & AccountStore & CommitStore;
  clock: Clock;
  /** The rule set of deployment (ProcessEngine.checkDefinition). */
  check(xml: string): Promise<CheckResult>;
  /** The change that starts an instance, not yet committed (ProcessEngine.prepareStart). */
  prepareStart(
    key: string,
    input: { variables?: Record<string, unknown>; site?: string },
    actor: string,
  ): Promise<{ change: ChangeSet & { instance: NonNullable<ChangeSet['instance']> }; started: { id: string; businessKey: string } }>;
  /** The version new instances start on now (ProcessEngine.effectiveDefinition). */
  effective(key: string): Promise<DefinitionRecord | undefined>;
  /** How often the reviewers of a change are reminded while it waits for a signature (none: never). */
  reviewRemindEvery?: string;
  /** Where people's clocks default from: a signature's time is shown in the signer's zone. */
  readers?: ReaderDefaults;
}

export type DraftSummary = Omit<DraftRecord, 'xml'>;

export interface DraftView extends DraftRecord {
  problems: DefinitionProblem[];
}

export interface ChangesView extends DefinitionDiff {
  base: { version: number; xml: string } | null;
  xml: string;
}

export type VersionStatus = 'effective' | 'scheduled' | 'superseded';

export interface VersionView {
  version: number;
  name: string;
  hash: string;
  deployedAt: string;
  deployedBy: string;
  effectiveAt: string;
  status: VersionStatus;
  via: DefinitionSource;
  draftId?: string;
  change?: DefinitionRecord['change'];
  /** With `valid`: the signature still matches the version's XML and its own signed content. */
  approvals: (VersionApproval & { valid: boolean; text: string })[];
  instances: { running: number; completed: number; cancelled: number; incident: number };
  training: { acknowledged: number; total: number };
}

export interface TrainingItem {
  user: string;
  name: string;
  role?: string;
  status: 'open' | 'acknowledged' | 'cancelled';
  acknowledgedAt?: string;
  taskId?: string;
  instanceId: string;
  site?: string;
  dueAt?: string;
}

export interface OutstandingItem {
  user: string;
  name: string;
  processKey: string;
  version: number;
  taskId: string;
  instanceId: string;
  site?: string;
  dueAt?: string;
  overdue: boolean;
}
