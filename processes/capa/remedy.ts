import { CAUSE_CATEGORIES, type CauseCategory, type ClassifiedRecord, type PackRemedy } from '../../engine/pack-kit.js';

/**
 * A CAPA as a remedy whose effectiveness a recurring event reopens (engine/features/events): its
 * classification is its root cause analysis (fishbone category, product, processes, clauses); it counts
 * once closed as effective (effectiveness check "yes" and the closure approved); a recurrence starts a new
 * CAPA record that goes straight to the owner's re-check (capa.bpmn `recheck`), linked to both records.
 */

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && Boolean(v.trim())) : [];
}

/** The CAPA sources the start form offers that an event's source names directly; others count as "other". */
const CAPA_SOURCES = new Set(['complaint', 'incident', 'nonconforming-product', 'deviation', 'audit-finding']);

export const capaRemedy: PackRemedy = {
  classify(record) {
    const analysis = objectOf(record.output.rootCause);
    const category = analysis.category;
    if (typeof category !== 'string' || !(CAUSE_CATEGORIES as readonly string[]).includes(category)) return undefined;
    return { causeCategory: category as CauseCategory, products: list(analysis.product), processes: list(analysis.processes), clauses: list(analysis.clauses) };
  },
  closedEffective(record) {
    const effective = objectOf(record.output.checkEffectiveness).effective === 'yes';
    return record.status === 'completed' && effective && record.output.closure && record.endedAt ? record.endedAt : undefined;
  },
  reopen(capa: ClassifiedRecord, event) {
    const owner = objectOf(capa.output.triage).owner;
    const title = typeof capa.variables.title === 'string' ? capa.variables.title : capa.businessKey;
    const { classification } = event;
    return {
      label: `Recurrence of ${capa.businessKey} by ${event.record.businessKey}`,
      variables: {
        recurrenceOf: capa.id,
        recurrenceOfKey: capa.businessKey,
        recurrenceEvent: event.record.id,
        recurrenceEventKey: event.record.businessKey,
        ...(typeof owner === 'string' && owner && { owner }),
        source: CAPA_SOURCES.has(classification.source) ? classification.source : 'manual',
        title: `Recurrence of ${capa.businessKey}: ${title}`.slice(0, 200),
        description: `${event.record.businessKey} (${classification.source}${event.record.site ? `, site ${event.record.site}` : ''}) has the cause category "${classification.causeCategory}" of ${capa.businessKey}, closed as effective on ${capa.endedAt?.slice(0, 10)}.`,
        reference: event.record.businessKey,
      },
    };
  },
};
