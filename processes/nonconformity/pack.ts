import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { nonconformityDemo } from './demo.js';

/** Nonconformity: assess and contain, corrective action, signed verification. */
export const nonconformityPack: ProcessPack = {
  key: 'nonconformity',
  businessKeyPrefix: 'NC',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('nonconformity'),
  messages: packMessages('nonconformity'),
  demo: nonconformityDemo,
};
