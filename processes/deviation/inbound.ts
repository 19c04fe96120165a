import { z } from 'zod';
import type { PackInboundType } from '../../engine/packs.js';

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);

/**
 * `deviation.raised`: a deviation found by another system (an MES, a batch record system, an environmental
 * monitoring system) starts a deviation at QA classification, as its start form would; the sender's
 * repeats of one event id return the first record (engine/features/inbound).
 */
export const deviationRaised: PackInboundType = {
  type: 'deviation.raised',
  description: 'A deviation found in another system: starts a deviation at QA classification, with its title, description, product and batches',
  data: z
    .object({
      title: text(200),
      description: text(10_000),
      kind: z.enum(['planned', 'unplanned']).optional(),
      product: z.string().trim().max(200).optional(),
      /** The batches (lots) concerned, as a list or separated by commas. */
      lots: z.union([z.array(z.string().trim().min(1).max(100)).max(100), z.string().trim().max(2000)]).optional(),
      occurredOn: z.iso.date('must be a date (YYYY-MM-DD)'),
      immediateAction: z.string().trim().max(10_000).optional(),
    })
    .strict(),
  variables: (data, event) => ({
    title: data.title,
    kind: data.kind ?? 'unplanned',
    description: data.description,
    ...(data.product !== undefined && data.product !== '' && { product: data.product }),
    ...(data.lots !== undefined && { lots: Array.isArray(data.lots) ? data.lots.join(', ') : data.lots }),
    occurredOn: data.occurredOn,
    immediateAction: typeof data.immediateAction === 'string' && data.immediateAction ? data.immediateAction : `None reported by ${event.source}: to be recorded at classification`,
    raisedBy: { system: event.source, eventId: event.eventId, type: event.type },
  }),
};
