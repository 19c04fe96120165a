export { deploy, effectiveDefinition, getDefinition, listDefinitions } from './definitions.js';
