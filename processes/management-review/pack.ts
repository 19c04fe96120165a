import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { registerManagementReviewServices } from './services.js';
import { managementReviewDemo } from './demo.js';

/** Management review (ISO 9.3): the input pack compiled from live records, the meeting, its actions. */
export const managementReviewPack: ProcessPack = {
  key: 'management-review',
  businessKeyPrefix: 'MR',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('management-review'),
  messages: packMessages('management-review'),
  services: registerManagementReviewServices,
  demo: managementReviewDemo,
};
