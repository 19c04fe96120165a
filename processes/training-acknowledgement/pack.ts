import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';

/** Read and understood: staff acknowledge a new process version they are trained on. */
export const trainingAcknowledgementPack: ProcessPack = {
  key: 'training-acknowledgement',
  businessKeyPrefix: 'TRN',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('training-acknowledgement'),
  messages: packMessages('training-acknowledgement'),
  // started per person and process version (engine/features/change-control/training.ts): named by the process read
  titleFields: ['processName'],
};
