import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { findingsFigure } from './figures.js';
import { registerInternalAuditServices } from './services.js';
import { internalAuditDemo } from './demo.js';

/** Internal audit (ISO 9.2): independent team, checklist from the catalogue, graded findings, linked CAPAs. */
export const internalAuditPack: ProcessPack = {
  key: 'internal-audit',
  businessKeyPrefix: 'AUD',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('internal-audit'),
  messages: packMessages('internal-audit'),
  services: registerInternalAuditServices,
  demo: internalAuditDemo,
  figures: [findingsFigure],
};
