export { CAUSE_CATEGORIES, type CauseCategory, type EventClassification, type PackEvent } from './classification.js';
