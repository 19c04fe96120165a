import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { capaFigure, capaReopenedFigure } from './figures.js';
import { registerCapaServices } from './services.js';
import { capaDemo } from './demo.js';
import { capaRemedy } from './remedy.js';

/** Corrective and preventive action: intake, risk triage, actions, effectiveness check. */
export const capaPack: ProcessPack = {
  key: 'capa',
  businessKeyPrefix: 'CAPA',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('capa'),
  messages: packMessages('capa'),
  services: registerCapaServices,
  demo: capaDemo,
  figures: [capaFigure, capaReopenedFigure],
  remedy: capaRemedy,
};
