/** Telling people: assignment notices, reminders, escalations, the weekly digest, the outbox and its templates. */
export * from './digest.js';
export * from './notifications.js';
export * from './outbox.js';
export * from './templates.js';
