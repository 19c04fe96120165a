import type { EventClassification, PackEvent } from '../../engine/pack-kit.js';

/** The process keys a change request names as affected (the `processes` picker stores `{key, name}`). */
function processKeys(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list
    .map((pick) => (typeof pick === 'string' ? pick : typeof pick === 'object' && pick !== null && typeof (pick as { key?: unknown }).key === 'string' ? (pick as { key: string }).key : ''))
    .filter(Boolean);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * A change request as an event of the trends across sources: classified once the quality manager has
 * screened it. A planned change has no cause, so it never names a cause category (recurrence matches
 * causes: a change request takes part in trends by product, process and site only).
 */
export const changeRequestEvent: PackEvent = {
  source: 'change-request',
  classify(record): EventClassification | undefined {
    if (!record.output?.screen) return undefined;
    const [process] = processKeys(record.variables.processes);
    const product = text(record.variables.product);
    return {
      source: 'change-request',
      ...(record.site && { site: record.site }),
      ...(product && { product }),
      ...(process && { process }),
      occurredAt: record.startedAt,
    };
  },
};
