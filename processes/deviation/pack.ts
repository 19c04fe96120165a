import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { deviationDemo } from './demo.js';
import { deviationRaised } from './inbound.js';
import { classifyDeviation, registerDeviationServices } from './services.js';

/** Deviation: planned or unplanned, QA classification with due dates by class, investigation, signed disposition, CAPA link. */
export const deviationPack: ProcessPack = {
  key: 'deviation',
  businessKeyPrefix: 'DEV',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('deviation'),
  messages: packMessages('deviation'),
  services: (registry) => registerDeviationServices(registry),
  demo: deviationDemo,
  titleFields: ['title'],
  event: { source: 'deviation', classify: classifyDeviation },
  inbound: [deviationRaised],
};
