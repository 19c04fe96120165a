import { CAUSE_CATEGORIES, text, type CauseCategory, type PackEvent } from '../../engine/pack-kit.js';

/**
 * A complaint as a quality event (recurrence and trends, engine/features/events): classified once its
 * investigation named a cause category; product and lot from the start form, when from the awareness date.
 */
export const complaintEvent: PackEvent = {
  source: 'complaint',
  classify(record) {
    const found = (record.output.investigate ?? {}) as Record<string, unknown>;
    const category = text(found.causeCategory);
    if (!(CAUSE_CATEGORIES as readonly string[]).includes(category)) return undefined;
    const v = record.variables;
    return {
      source: 'complaint',
      ...(record.site && { site: record.site }),
      ...(text(v.product) && { product: text(v.product) }),
      ...(text(v.lot) && { lot: text(v.lot) }),
      process: 'complaint',
      causeCategory: category as CauseCategory,
      ...(text(v.awarenessDate) && { occurredAt: text(v.awarenessDate) }),
    };
  },
};
