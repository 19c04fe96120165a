import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { complaintDemo } from './demo.js';
import { complaintEvent } from './event.js';
import { complaintReceived } from './inbound.js';
import { reportRules } from './reportability.js';
import { registerComplaintServices } from './services.js';

/** Complaint handling (21 CFR 820.198, MDR 803, EU MDR Art. 87): reportability with clocks, investigation, CAPA, response, signed closure. */
export const complaintPack: ProcessPack = {
  key: 'complaint',
  businessKeyPrefix: 'CMP',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('complaint'),
  messages: packMessages('complaint'),
  services: (registry) => registerComplaintServices(registry, reportRules()),
  demo: complaintDemo,
  titleFields: ['title'],
  event: complaintEvent,
  inbound: [complaintReceived],
};
