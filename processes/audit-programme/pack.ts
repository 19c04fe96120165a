import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { registerAuditProgrammeServices } from '../internal-audit/services.js';
import { auditProgrammeDemo } from './demo.js';

/** The audit programme: planned rows checked, signed, and one linked internal audit started per row. */
export const auditProgrammePack: ProcessPack = {
  key: 'audit-programme',
  businessKeyPrefix: 'AP',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('audit-programme'),
  messages: packMessages('audit-programme'),
  services: registerAuditProgrammeServices,
  demo: auditProgrammeDemo,
};
