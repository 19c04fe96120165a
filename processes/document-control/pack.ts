import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { documentFieldTypes } from './field-type.js';
import { documentPages } from './pages.js';
import { documentRoutes } from './routes.js';
import { documentPickers } from './pickers.js';
import { documentControlDemo } from './demo.js';
import { documentFigures } from './figures.js';
import { registerDocumentControlServices } from './services.js';
import { documentStepResults } from './step-results.js';

/**
 * Document control: controlled documents as records, one record per version (numbering, parallel review,
 * signed approval, training, effective date, periodic review, supersession or withdrawal). The register's
 * and pages' reads are in versions.ts and register.ts, the API in routes.ts, the pages in pages.ts (their
 * words in locales/<language>/documents.json); the settings in config.ts.
 */
export const documentControlPack: ProcessPack = {
  key: 'document-control',
  businessKeyPrefix: 'DOC',
  ownerRole: 'quality-manager',
  bpmn: packBpmn('document-control'),
  messages: packMessages('document-control'),
  services: registerDocumentControlServices,
  titleFields: ['title', 'revises'],
  fieldTypes: [...documentFieldTypes, ...documentPickers],
  routes: documentRoutes,
  pages: documentPages,
  figures: documentFigures,
  demo: documentControlDemo,
  stepResults: documentStepResults,
};
