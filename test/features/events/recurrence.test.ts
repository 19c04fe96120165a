import { expect } from 'chai';
import type { InstanceRecord } from '../../../engine/kernel/model.js';
import type { ProcessPack } from '../../../engine/packs.js';
import { shippedPacks } from '../../../processes/index.js';
import { bpmn } from '../../helpers.js';
import { processHarness, type ProcessHarness } from '../../support/process-harness.js';

/**
 * Recurrence (engine/features/events): an event record of a pack with `event`, once classified with a cause,
 * reopens the effectiveness of a CAPA closed as effective within the watch window (P12M) whose root cause
 * matches; a TEST-ONLY event pack stands in for the real ones (complaint, deviation, incident).
 */
const EVENT_XML = bpmn(
  'test-event',
  `<bpmn:startEvent id="s" />
   <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="classify" />
   <bpmn:userTask id="classify" name="Classify the event" ims:candidateRole="quality-manager">
     <bpmn:extensionElements><ims:form>
       <ims:field key="product" label="Product" type="text" />
       <ims:field key="cause" label="Cause" type="select" required="true">
         <ims:option value="material" label="Material" /><ims:option value="method" label="Method" />
       </ims:field>
     </ims:form></bpmn:extensionElements>
   </bpmn:userTask>
   <bpmn:sequenceFlow id="f2" sourceRef="classify" targetRef="close" />
   <bpmn:userTask id="close" name="Close the event" ims:candidateRole="quality-manager" />
   <bpmn:sequenceFlow id="f3" sourceRef="close" targetRef="e" />
   <bpmn:endEvent id="e" />`,
  'ims:businessKeyPrefix="TEV" ims:ownerRole="quality-manager"',
);

const testEventPack: ProcessPack = {
  key: 'test-event',
  businessKeyPrefix: 'TEV',
  ownerRole: 'quality-manager',
  bpmn: { file: 'test-event.bpmn', xml: () => EVENT_XML },
  event: {
    source: 'test-event',
    classify(record) {
      const found = record.output.classify as { product?: string; cause?: 'material' | 'method' } | undefined;
      return found?.cause ? { source: 'test-event', site: record.site, product: found.product, causeCategory: found.cause, occurredAt: record.startedAt } : undefined;
    },
  },
};

const CLOSED = '2026-02-02T10:00:00.000Z';
const capaClosedAsEffective = (id: string, site: string, category: string): InstanceRecord => ({
  id,
  key: 'capa',
  version: 1,
  businessKey: `CAPA-2026-90${id.slice(-2)}`,
  site,
  status: 'completed',
  variables: { source: 'complaint', title: 'Cracked vial caps' },
  output: {
    triage: { severity: '4', occurrence: '3', fullCapa: 'yes', owner: 'olga' },
    rootCause: { why1: 'Brittle caps', category, rootCause: 'Supplier changed the resin', product: 'Vial cap 20 mm' },
    checkEffectiveness: { effective: 'yes', evidence: 'No cracked caps in 90 days' },
    closure: { summary: 'Closed' },
  },
  engineState: null,
  revision: 5,
  startedAt: '2025-10-01T08:00:00.000Z',
  startedBy: 'quinn',
  endedAt: CLOSED,
});

describe('Recurrence: an event with the cause of a CAPA closed as effective reopens its effectiveness (engine/features/events)', () => {
  let h: ProcessHarness;

  before(async () => {
    h = await processHarness({
      start: '2026-05-04T07:00:00Z',
      overseer: 'quinn',
      prefix: 'recurrence',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], sites: ['basel', 'dublin'] },
        { id: 'olga', name: 'Olga Owner', roles: ['staff'], managerId: 'quinn', sites: ['basel'] },
      ],
      packs: [...shippedPacks, testEventPack],
    });
    await h.server.imsflow.store.commit({ instance: { record: capaClosedAsEffective('capa-seed-01', 'basel', 'material'), expectedRevision: null }, audit: [] });
  });
  after(async () => {
    await h?.close();
  });

  /** Starts an event at `site`, classifies it, and runs the jobs due (the recurrence job and the re-checks it asks for). */
  async function classifiedEvent(site: string, data: { product?: string; cause: string }): Promise<string> {
    const started = await h.server.imsflow.start('test-event', { site }, 'quinn');
    await h.complete(await h.theTask(started.id, 'classify'), 'quinn', data);
    await h.advance(0);
    await h.advance(0);
    return started.id;
  }

  const rechecks = async (): Promise<InstanceRecord[]> => (await h.server.imsflow.store.listInstances({ key: 'capa', limit: 100 })).filter((r) => r.variables.recurrenceOf);
  const reopenedEvents = async () => (await h.server.imsflow.store.listAudit({ limit: 100_000 })).filter((e) => e.action === 'capa.effectiveness.reopened');

  it('the same cause at another site three months after closure reopens the check once: a task to the owner, both records linked, an audit event', async () => {
    const eventId = await classifiedEvent('dublin', { product: 'Vial cap 20 mm', cause: 'material' });
    const [recheck] = await rechecks();
    expect(recheck, 'a re-check record').to.exist;
    expect(recheck.variables).to.include({ recurrenceOf: 'capa-seed-01', recurrenceEvent: eventId, owner: 'olga' });
    expect(recheck.site).to.equal('basel');
    expect(recheck.links?.map((l) => l.instanceId)).to.have.members(['capa-seed-01', eventId]);
    const task = await h.theTask(recheck.id, 'recheck');
    expect(task.assignee).to.equal('olga');

    const [audit] = await reopenedEvents();
    expect(audit).to.include({ actor: 'system', target: 'instance:capa-seed-01' });
    expect(audit.reason).to.contain((await h.server.imsflow.store.getInstance(eventId))!.businessKey);

    // the event record saved again (its next task) and the jobs run again: still one re-check
    await h.complete(await h.theTask(eventId, 'close'), 'quinn', {});
    await h.advance(0);
    await h.advance(0);
    expect(await rechecks()).to.have.length(1);
    expect(await reopenedEvents()).to.have.length(1);

    // the owner finds the earlier actions still effective: the re-check closes
    await h.complete(task, 'olga', { effective: 'yes', evidence: 'Another resin supplier; not our cause' });
    expect((await h.server.imsflow.store.getInstance(recheck.id))!.status).to.equal('completed');
  });

  it('GET /api/events/trends counts the events by cause and lists those behind a bar', async () => {
    h.clock.set(new Date('2026-05-04T09:00:00Z'));
    const reply = await h.call('GET', '/api/events/trends?from=2026-05-01&to=2026-05-31', undefined, 'quinn');
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json.total).to.equal(1);
    expect(reply.json.pareto.causeCategory.entries).to.deep.equal([{ value: 'material', count: 1, percent: 100, cumulativePercent: 100 }]);
    const drill = await h.call('GET', '/api/events/trends?from=2026-05-01&to=2026-05-31&cause=material&source=test-event', undefined, 'quinn');
    expect(drill.json.records.map((r: { site: string }) => r.site)).to.deep.equal(['dublin']);
    expect((await h.call('GET', '/api/events/trends', undefined, 'olga')).status).to.equal(403);
    const dashboard = await h.call('GET', '/api/dashboard?from=2026-05-01&to=2026-05-31', undefined, 'quinn');
    expect(dashboard.json.capaReopened.reopened).to.equal(1);
    expect(dashboard.json.sections.map((x: { section: string }) => x.section)).to.include.members(['capaReopened', 'eventTrends']);
  });

  it('a different cause, or the same cause after the watch window, reopens nothing', async () => {
    await classifiedEvent('dublin', { product: 'Vial cap 20 mm', cause: 'method' });
    expect(await rechecks()).to.have.length(1);
    // the window is P12M from the closure on 2026-02-02
    h.clock.set(new Date("2027-02-03T08:00:00Z"));
    await classifiedEvent('dublin', { product: 'Vial cap 20 mm', cause: 'material' });
    expect(await rechecks()).to.have.length(1);
    expect(await reopenedEvents()).to.have.length(1);
  });
});
