import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { z } from 'zod';
import { ConflictError, DuplicateEventError, ValidationError } from '../../kernel/errors.js';
import type { ProcessEngine } from '../../process-engine.js';
import { auditEvent } from '../../kernel/audit-event.js';
import type { InboundEventRecord } from '../../kernel/model.js';

/**
 * Inbound events: other systems (an MES, an ERP, a document system) tell imsflow something happened and
 * imsflow starts the record for it, e.g. a nonconformity raised in the MES starts a CAPA. Each event is
 * kept once per (source, eventId) in the same commit as the record it started, so a sender that repeats an
 * event (a retry after a timeout, two at once) gets the same record back, never a second one: the stores
 * hold a unique index on the pair.
 */

/** The CAPA sources (processes/capa/capa.bpmn, the intake's Source field) an event may name. */
const CAPA_SOURCES = ['audit-finding', 'complaint', 'incident', 'nonconforming-product', 'deviation', 'gap', 'management-review', 'improvement-suggestion', 'manual'] as const;

/** An event type as a pack declares it (ProcessPack.inbound): it starts a record of that pack's process. */
export interface PackInboundType {
  /** The event type senders name (`complaint.received`). */
  type: string;
  /** One line for the API document: what the event is and what it starts. */
  description: string;
  /** Its data, checked before anything starts (unknown fields refused: `.strict()`). */
  data: z.ZodType<Record<string, unknown>>;
  /** The variables the record starts with (the start form's fields). */
  variables(data: Record<string, unknown>, event: { source: string; eventId: string; type: string }): Record<string, unknown>;
}

export interface InboundType extends Omit<PackInboundType, 'type'> {
  processKey: string;
}

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);

/** The event types imsflow understands of itself, and the record each starts; the packs' own join them (ProcessEngine.inboundTypes). */
export const INBOUND_TYPES: Record<string, InboundType> = {
  'nonconformity.raised': {
    processKey: 'capa',
    description: 'A nonconformity found in another system: starts a CAPA at triage, with its title and description',
    data: z
      .object({
        title: text(200),
        description: text(10_000),
        /** What kind of problem, as the CAPA intake names sources; default nonconforming product. */
        category: z.enum(CAPA_SOURCES).optional(),
        /** The sender's own reference (batch, lot, order, NC number). */
        reference: z.string().trim().max(200).optional(),
        occurredOn: z.iso.date('must be a date (YYYY-MM-DD)').optional(),
      })
      .strict(),
    variables: (data, event) => ({
      source: data.category ?? 'nonconforming-product',
      title: data.title,
      description: data.description,
      reference: data.reference ?? `${event.source} ${event.eventId}`,
      ...(data.occurredOn !== undefined && { occurredOn: data.occurredOn }),
      raisedBy: { system: event.source, eventId: event.eventId, type: event.type },
    }),
  },
};

/**
 * The event types an engine understands: the built-in ones and those of the packs handed over, each
 * starting a record of its pack's process. A type named twice is a mistake in the packs, refused at start.
 */
export function inboundTypeMap(packTypes: readonly (PackInboundType & { processKey: string })[]): ReadonlyMap<string, InboundType> {
  const types = new Map<string, InboundType>(Object.entries(INBOUND_TYPES));
  for (const { type, ...rest } of packTypes) {
    if (types.has(type)) throw new Error(`inbound event type ${type} is declared twice`);
    types.set(type, rest);
  }
  return types;
}

export interface InboundEventInput {
  source: string;
  eventId: string;
  type: string;
  data: unknown;
  /** The site the started record belongs to (checked against the sender's sites by the caller). */
  site?: string;
}

export interface InboundResult {
  /** false: the event was received before; this is the record it started then. */
  created: boolean;
  event: InboundEventRecord;
}

/**
 * Receives an event: checks its data against its type, starts the record and keeps the event with it in
 * one commit. A repeat (same source and eventId, same data) returns the first record; a repeat with other
 * data is a conflict (the sender reused an event id).
 */
export async function receiveEvent(imsflow: ProcessEngine, input: InboundEventInput, actor: string): Promise<InboundResult> {
  const type = imsflow.inboundTypes.get(input.type);
  if (!type) throw new ValidationError(`unknown event type ${input.type}`, [{ field: 'type', message: `one of ${[...imsflow.inboundTypes.keys()].join(', ')}` }]);
  const parsed = type.data.safeParse(input.data ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({
      field: ['data', ...issue.path.map(String)].join('.'),
      message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
    }));
    throw new ValidationError(`invalid data for ${input.type}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  const dataHash = createHash('sha256').update(stringify(parsed.data) ?? '').digest('hex');
  const repeat = async (): Promise<InboundResult | undefined> => {
    const existing = await imsflow.store.getInboundEvent(input.source, input.eventId);
    if (!existing) return undefined;
    if (existing.dataHash !== dataHash) {
      throw new ConflictError(`event ${input.eventId} from ${input.source} was received already (${existing.receivedAt}, ${existing.businessKey}) with other data: a new event needs a new eventId`);
    }
    return { created: false, event: existing };
  };
  const earlier = await repeat();
  if (earlier) return earlier;

  // the record starts as its start form would have it: what the form refuses from a person it refuses here
  const variables = await imsflow.checkStartData(type.processKey, type.variables(parsed.data, input), input.site);
  const now = imsflow.clock.now().toISOString();
  let record: InboundEventRecord | undefined;
  try {
    await imsflow.start(type.processKey, { variables, ...(input.site && { site: input.site }) }, actor, (started) => {
      record = {
        id: `${input.source}:${input.eventId}`,
        source: input.source,
        eventId: input.eventId,
        type: input.type,
        receivedAt: now,
        receivedBy: actor,
        dataHash,
        instanceId: started.id,
        businessKey: started.businessKey,
        processKey: type.processKey,
      };
      return {
        inboundEvents: [record],
        audit: [
          auditEvent(imsflow.clock, {
            at: now,
            actor,
            action: 'inbound.received',
            target: `inbound:${record.id}`,
            instanceId: started.id,
            new: { source: input.source, eventId: input.eventId, type: input.type, processKey: type.processKey, businessKey: started.businessKey },
          }),
        ],
      };
    });
  } catch (err) {
    // a concurrent repeat won the race: answer as for any repeat (the number it drew stays unused)
    if (err instanceof DuplicateEventError) {
      const raced = await repeat();
      if (raced) return raced;
    }
    throw err;
  }
  return { created: true, event: record! };
}
