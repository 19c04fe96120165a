/**
 * The contract of the OutboxStore port (engine/ports/outbox-store.ts): the e-mail outbox, webhook
 * subscriptions and deliveries. Every store adapter runs it from its test file
 * (test/contracts/sqlite.test.ts, mongo.test.ts); one file per concern sits next to this one.
 */
import type { Store } from '../../../engine/ports/store.js';
import { portContract } from '../support.js';
import { outboxContract } from './outbox.js';
import { webhooksContract } from './webhooks.js';

export function outboxStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  portContract(`OutboxStore contract: ${name}`, makeStore, cleanup, [outboxContract, webhooksContract]);
}
