import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { gapCoverageFigure } from './figures.js';
import { registerGapAnalysisServices } from './services.js';
import { gapAnalysisDemo } from './demo.js';

/** Gap analysis: clauses in scope assessed, gaps become actions and CAPAs, a signed coverage report. */
export const gapAnalysisPack: ProcessPack = {
  key: 'gap-analysis',
  businessKeyPrefix: 'GAP',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('gap-analysis'),
  messages: packMessages('gap-analysis'),
  services: registerGapAnalysisServices,
  demo: gapAnalysisDemo,
  figures: [gapCoverageFigure],
};
