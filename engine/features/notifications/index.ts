/** Telling people: assignment notices, reminders, escalations, the weekly digest, the outbox and its templates. */
export * from './digest.js';
export * from './daily-digest.js';
export * from './notifications.js';
export * from './outbox.js';
export * from './templates.js';
export { MailReaders, MAIL_MESSAGES, stepName, processName, type MailSettings } from './mail/readers.js';
export { renderMail } from './mail/render.js';
export { digestContent, type DigestFacts, type DigestTask } from './mail/digest-mail.js';
export type { MailContent, MailLink, MailSection } from './mail/content.js';
