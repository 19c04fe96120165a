import { z } from 'zod';
import { CAUSE_CATEGORIES, type CauseCategory, type PackEvent } from '../../engine/pack-kit.js';
import type { ProcessPack } from '../../engine/packs.js';
import { packBpmn, packMessages } from '../locate.js';
import { ehsIncidentDemo } from './demo.js';
import { registerEhsIncidentServices } from './services.js';

/**
 * An incident or near miss (`kind` on the start form): the record is classified once the investigation
 * named its cause category; the source is its kind, so trends tell incidents and near misses apart.
 */
export const ehsIncidentEvent: PackEvent = {
  source: 'incident',
  classify(record) {
    const investigation = (record.output.investigate ?? {}) as Record<string, unknown>;
    const cause = investigation.causeCategory;
    if (typeof cause !== 'string' || !(CAUSE_CATEGORIES as readonly string[]).includes(cause)) return undefined;
    const occurredOn = typeof record.variables.occurredOn === 'string' ? record.variables.occurredOn : undefined;
    return {
      source: record.variables.kind === 'near-miss' ? 'near-miss' : 'incident',
      ...(record.site && { site: record.site }),
      process: 'ehs-incident',
      clauses: ['45001:10.2'],
      causeCategory: cause as CauseCategory,
      occurredAt: occurredOn ?? record.startedAt,
    };
  },
};

/** EHS incident and near miss (ISO 45001 10.2): public report page per site, triage, investigation with a worker representative, recordability, CAPA. */
export const ehsIncidentPack: ProcessPack = {
  key: 'ehs-incident',
  businessKeyPrefix: 'EHS',
  ownerRole: 'process-owner',
  bpmn: packBpmn('ehs-incident'),
  messages: packMessages('ehs-incident'),
  services: (registry) => registerEhsIncidentServices(registry),
  demo: ehsIncidentDemo,
  titleFields: ['title'],
  event: ehsIncidentEvent,
  intake: [
    {
      path: 'report',
      fields: ['kind', 'title', 'description', 'area', 'occurredOn', 'occurredTime', 'photo', 'reporterName', 'reporterContact'],
      preset: 'area',
      messages: { title: 'report.title', intro: 'report.intro', receipt: 'report.receipt', poster: 'report.poster', posterText: 'report.posterText' },
      perMinute: 10,
    },
  ],
  inbound: [
    {
      type: 'incident.reported',
      description: 'An incident or near miss reported in another system (a safety app, a badge terminal): starts an EHS incident at triage; data are its start form fields {kind, title, description, area, occurredOn, occurredTime?, reporterName?, reporterContact?}',
      // the start form's fields and nothing else; the start form checks their values
      data: z
        .object({ kind: z.string(), title: z.string(), description: z.string(), area: z.string(), occurredOn: z.string(), occurredTime: z.string().optional(), reporterName: z.string().optional(), reporterContact: z.string().optional() })
        .strict(),
      variables: (data, event) => ({ ...data, raisedBy: { system: event.source, eventId: event.eventId, type: event.type } }),
    },
  ],
};
