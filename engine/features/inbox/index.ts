/** What waits on a person: their tasks, changes to sign or publish, extension requests to decide. */
export { waitingOn, type InboxItem, type InboxAsk, type InboxKind, type InboxOptions } from './inbox.js';
