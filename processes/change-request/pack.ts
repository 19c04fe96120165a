import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { changeRequestEvent } from './classify.js';
import { changeRequestDemo } from './demo.js';
import { registerChangeRequestServices } from './services.js';

/**
 * Change request (document, equipment, product, process): screening, impact assessment by the functions
 * concerned in parallel, signed approval not by the requester, implementation actions and linked document
 * changes, effectiveness check. Its forms use document control's field types (`documents`,
 * `documents-to-revise`, `processes`).
 */
export const changeRequestPack: ProcessPack = {
  key: 'change-request',
  businessKeyPrefix: 'CR',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('change-request'),
  messages: packMessages('change-request'),
  services: registerChangeRequestServices,
  event: changeRequestEvent,
  demo: changeRequestDemo,
};
