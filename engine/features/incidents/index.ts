export { getIncident, listIncidents, retryIncident } from './incidents.js';
