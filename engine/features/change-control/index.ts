/** Change control of process definitions: drafts, review with a signature, publication, read-and-understood training. */
export { blankProcess } from './bpmn-files.js';
export { ChangeControl } from './change-control.js';
export { mayPublish, mayReview, mayWithdraw, PUBLISHERS, REVIEWERS, WITHDRAWERS } from './policy.js';
export {
  TRAINING_PROCESS,
  TRAINING_TASK,
  type ChangeControlHost,
  type ChangesView,
  type DraftSummary,
  type DraftView,
  type OutstandingItem,
  type TrainingItem,
  type VersionStatus,
  type VersionView,
} from './model.js';
export { changeContent, nextVersion, sha256 } from './versions.js';
