import type { InstanceRecord } from '../../kernel/model.js';

/** The fishbone (Ishikawa) categories a cause is filed under, as the CAPA's root cause analysis names them. */
export const CAUSE_CATEGORIES = ['man', 'machine', 'method', 'material', 'measurement', 'environment'] as const;
export type CauseCategory = (typeof CAUSE_CATEGORIES)[number];

/**
 * What a quality or EHS event is about, read from its record: what recurrence and the trends across
 * sources compare (a complaint, a deviation and an incident about the same product and cause are one story).
 */
export interface EventClassification {
  /** The kind of event: complaint, deviation, incident, near-miss, change-request … (the pack's `source`). */
  source: string;
  site?: string;
  product?: string;
  lot?: string;
  /** The process key it happened in or concerns. */
  process?: string;
  /** Catalogue clause ids it touches (`8.5.1`, `45001:10.2`). */
  clauses?: string[];
  causeCategory?: CauseCategory;
  /** When it happened or was found (ISO 8601). */
  occurredAt?: string;
}

/** How a pack's records take part in recurrence and trends (ProcessPack.event). */
export interface PackEvent {
  /** The kind of event its records are (`complaint`). */
  source: string;
  /** A record's classification as it stands (its variables and task output), or undefined while it has none yet. */
  classify(record: Pick<InstanceRecord, 'id' | 'businessKey' | 'site' | 'variables' | 'output' | 'startedAt' | 'status'>): EventClassification | undefined;
}
