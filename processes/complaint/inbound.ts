import { z } from 'zod';
import type { PackInboundType } from '../../engine/packs.js';

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const date = z.iso.date('must be a date (YYYY-MM-DD)');

/** `complaint.received`: a complaint taken in another system (a CRM, a call centre): starts a complaint at its QA assessment. */
export const complaintReceived: PackInboundType = {
  type: 'complaint.received',
  description: 'A customer complaint taken in another system (CRM, call centre): starts a complaint at the QA assessment',
  data: z
    .object({
      title: text(200),
      product: text(200),
      lot: z.string().trim().max(200).optional(),
      customer: text(200),
      description: text(10_000),
      awarenessDate: date,
      eventDate: date.optional(),
      eventDetails: z.string().trim().max(10_000).optional(),
    })
    .strict(),
  variables: (data, event) => ({
    ...data,
    receivedFrom: { system: event.source, eventId: event.eventId, type: event.type },
  }),
};
