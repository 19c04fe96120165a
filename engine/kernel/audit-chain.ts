import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { AuditEvent, AuditInput } from './model.js';

/** The hash that starts every chain: a store with no events has this as its head. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Seals an audit input into the chain: its hash covers the previous event's hash and every field,
 * serialized with sorted keys so the same event always hashes the same on every store.
 */
export function sealAuditEvent(input: AuditInput, seq: number, prevHash: string): AuditEvent {
  const unsealed = { ...input, seq, prevHash };
  const hash = createHash('sha256').update(stringify(unsealed) ?? '').digest('hex');
  return { ...unsealed, hash };
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first event that does not fit, and why. */
  brokenAt?: { seq: number; reason: string };
}

/**
 * Re-computes the chain over events in seq order. Detects an edited event (hash mismatch), a removed event
 * (gap in seq or prevHash not matching), and a reordered one.
 */
export function verifyAuditChain(events: Iterable<AuditEvent>): ChainVerification {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (const event of events) {
    if (event.seq !== expectedSeq) {
      return { ok: false, checked, brokenAt: { seq: event.seq, reason: `expected event ${expectedSeq}, found ${event.seq}: an event was removed` } };
    }
    if (event.prevHash !== prevHash) {
      return { ok: false, checked, brokenAt: { seq: event.seq, reason: 'previous-hash link does not match the event before it' } };
    }
    const { hash, ...rest } = event;
    const recomputed = sealAuditEvent(withoutSealFields(rest), rest.seq, rest.prevHash).hash;
    if (recomputed !== hash) {
      return { ok: false, checked, brokenAt: { seq: event.seq, reason: 'content does not match its hash: the event was edited' } };
    }
    prevHash = hash;
    expectedSeq += 1;
    checked += 1;
  }
  return { ok: true, checked };
}

function withoutSealFields(event: Omit<AuditEvent, 'hash'>): AuditInput {
  const { seq: _seq, prevHash: _prev, ...input } = event;
  return input;
}
