/** Inbound events (POST /api/events): a record started once per source event. */
export * from './inbound.js';
