/** Outgoing webhooks: subscriptions, signed deliveries with retries, and where a webhook may point. */
export * from './net-guard.js';
export * from './webhooks.js';
