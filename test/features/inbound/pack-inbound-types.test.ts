import { expect } from 'chai';
import { z } from 'zod';
import { INBOUND_TYPES, inboundTypeMap } from '../../../engine/features/inbound/index.js';
import { ServiceRegistry } from '../../../engine/kernel/services.js';
import { packInboundTypes } from '../../../engine/packs.js';
import { shippedPacks } from '../../../processes/index.js';

/** What a pack brings beside its BPMN for events from other systems (ProcessPack.inbound) and for rules across its steps (completion checks). */

const probe = (type: string) => ({ type, processKey: 'probe', description: 'a probe', data: z.object({}).strict(), variables: () => ({}) });

describe('pack inbound event types and completion checks', () => {
  it('joins the packs\' event types to the built-in ones, each name once', () => {
    const types = inboundTypeMap(packInboundTypes(shippedPacks));
    expect([...types.keys()]).to.include.members([...Object.keys(INBOUND_TYPES), 'deviation.raised', 'complaint.received', 'incident.reported']);
    expect(types.get('deviation.raised')!.processKey).to.equal('deviation');
    expect(() => inboundTypeMap([probe('probe.sent'), probe('probe.sent')])).to.throw('inbound event type probe.sent is declared twice');
    expect(() => inboundTypeMap([probe('nonconformity.raised')])).to.throw('declared twice');
  });

  it('keeps one completion check per process', () => {
    const registry = new ServiceRegistry();
    const check = { description: 'nothing', check: () => [] };
    registry.registerCompletionCheck('probe', check);
    expect(registry.completionCheck('probe')).to.equal(check);
    expect(registry.completionCheck('other')).to.equal(undefined);
    expect(() => registry.registerCompletionCheck('probe', check)).to.throw('a completion check of "probe" is registered already');
  });
});
