import { expect } from 'chai';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { shippedPacks } from '../../../processes/index.js';
import { DAY } from '../../helpers.js';
import { userWithToken } from '../../support/operator.js';
import { processHarness, type ProcessHarness } from '../../support/process-harness.js';

/**
 * The shipped deviation process (processes/deviation/deviation.bpmn), through the HTTP API of a listening
 * server on a fake clock: raised from its start form, classified by QA (the class sets the due dates),
 * investigated, a CAPA raised or justified away, and the batches dispositioned with a signature by someone
 * other than the investigator; and raised by another system as `deviation.raised`.
 */

const START = '2026-09-07T08:00:00Z';
const PASSWORD = 'deviation-disposition-5517';

const RAISED = {
  title: 'Granulation dried 20 minutes past the batch record limit',
  kind: 'unplanned',
  description: 'Fluid-bed dryer FBD-2 ran 80 instead of 60 minutes on batch 26-0412; alarm acknowledged late.',
  product: 'Metformin 500 mg tablets',
  lots: '26-0412, 26-0413',
  occurredOn: '2026-09-06',
  immediateAction: 'Batch 26-0412 on hold; dryer locked out pending engineering check.',
};
const INVESTIGATION = {
  rootCause: 'The dryer timer alarm was muted by a shift change procedure that does not hand alarms over.',
  causeCategory: 'method',
  otherBatches: 'some',
  otherLots: '26-0409',
  capa: 'raise',
};
const DISPOSITION = { decision: 'release-restricted', rationale: 'Loss on drying and dissolution within specification; released for the domestic market only.' };

describe('deviation process (shipped processes/deviation/deviation.bpmn, through the HTTP API)', () => {
  let h: ProcessHarness;

  before(async () => {
    h = await processHarness({
      start: START,
      overseer: 'quinn',
      prefix: 'deviation',
      people: [
        { id: 'quinn', name: 'Quinn Quality', roles: ['quality-manager'], password: PASSWORD },
        { id: 'ivan', name: 'Ivan Investigator', roles: ['quality-manager'], password: 'dryer-timer-hand-over-8823' },
        { id: 'sam', name: 'Sam Operator', roles: ['staff'], managerId: 'quinn' },
        { id: 'stella', name: 'Stella Steering', roles: ['steering-committee'] },
      ],
    });
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => h.reset());

  const raise = async (variables: Record<string, unknown> = RAISED): Promise<string> => (await h.start('deviation', 'sam', { variables })).id;
  const classified = async (classification: string): Promise<string> => {
    const id = await raise();
    await h.complete(await h.theTask(id, 'classify'), 'quinn', { classification, productImpact: 'Possible over-drying: assay and dissolution to be checked.', investigator: 'ivan' });
    return id;
  };
  const dueInDays = (task: TaskRecord, from: string) => (Date.parse(task.dueAt!) - Date.parse(from)) / DAY;

  it('runs from its start form through classification, investigation and a linked CAPA to a signed disposition', async () => {
    const id = await raise();
    const classify = await h.theTask(id, 'classify');
    expect(dueInDays(classify, START)).to.equal(1);
    await h.complete(classify, 'quinn', { classification: 'major', productImpact: 'Possible over-drying of 26-0412 and 26-0413.', investigator: 'ivan' });

    const investigate = await h.theTask(id, 'investigate');
    expect(investigate.assignee).to.equal('ivan');
    expect(dueInDays(investigate, START)).to.equal(15);
    await h.complete(investigate, 'ivan', INVESTIGATION);

    // the CAPA starts at triage with the deviation's story, linked on both records
    const record = await h.record(id);
    const capaLink = record.links.find((link: { processKey?: string }) => link.processKey === 'capa');
    expect(capaLink, JSON.stringify(record.links)).to.exist;
    const capa = await h.record(capaLink.instanceId);
    expect(capa.variables.source, 'the CAPA names a deviation as its source').to.equal('deviation');
    expect(capa.variables.title).to.equal(`${record.businessKey} ${RAISED.title}`);
    expect(capa.variables.description).to.contain('Root cause: The dryer timer alarm');
    expect(capa.tasks.filter((t: TaskRecord) => t.status === 'open').map((t: TaskRecord) => t.elementId)).to.deep.equal(['triage']);

    // QA disposition, signed, and not by the investigator
    const disposition = await h.theTask(id, 'disposition');
    expect(dueInDays(disposition, START)).to.equal(5);
    const byInvestigator = await h.call('POST', `/api/tasks/${disposition.id}/complete`, { data: DISPOSITION, signature: { email: 'ivan@example.com', password: 'dryer-timer-hand-over-8823' } }, 'ivan');
    expect(byInvestigator.status, byInvestigator.text).to.equal(403);
    expect(byInvestigator.text).to.contain('separation of duties');
    const unsigned = await h.call('POST', `/api/tasks/${disposition.id}/complete`, { data: DISPOSITION }, 'quinn');
    expect(unsigned.status).to.equal(400);
    await h.completeAsHolder(disposition, DISPOSITION, 'quinn');

    const closed = await h.record(id);
    expect(closed.status).to.equal('completed');
    expect(closed.businessKey).to.match(/^DEV-2026-\d{4}$/);
    expect(closed.signatures.map((s: { userId: string; meaning: string }) => [s.userId, s.meaning])).to.deep.equal([['quinn', 'approved']]);
    expect(h.completedInOrder(closed)).to.deep.equal(['classify', 'investigate', 'disposition']);

    // classified for recurrence and trends once investigated
    const pack = shippedPacks.find((p) => p.key === 'deviation')!;
    const stored = await h.server.imsflow.getInstance(id);
    expect(pack.event!.classify(stored)).to.deep.equal({ source: 'deviation', product: RAISED.product, lot: '26-0412', causeCategory: 'method', occurredAt: '2026-09-06' });
  });

  it('sets the due dates by class: a critical deviation is investigated in 5 days and dispositioned in 2, a minor one in 30 and 10', async () => {
    const critical = await classified('critical');
    const minor = await classified('minor');
    expect(dueInDays(await h.theTask(critical, 'investigate'), START)).to.equal(5);
    expect(dueInDays(await h.theTask(minor, 'investigate'), START)).to.equal(30);

    h.clock.set(new Date(Date.parse(START) + 3 * DAY));
    const at = h.clock.now().toISOString();
    await h.complete(await h.theTask(critical, 'investigate'), 'ivan', INVESTIGATION);
    await h.complete(await h.theTask(minor, 'investigate'), 'ivan', { ...INVESTIGATION, otherBatches: 'none', otherLots: undefined, capa: 'not-needed' });
    expect(dueInDays(await h.theTask(critical, 'disposition'), at)).to.equal(2);
    expect(dueInDays(await h.theTask(minor, 'disposition'), at)).to.equal(10);
  });

  it('refuses to take a major or critical deviation on without a CAPA or a justification (400 naming the field)', async () => {
    const id = await classified('critical');
    const investigate = await h.theTask(id, 'investigate');
    const fields = await h.refused(investigate, 'ivan', { ...INVESTIGATION, capa: 'not-needed' });
    expect(fields).to.deep.equal(['capaJustification: a critical deviation needs a CAPA, or a justification of why none is needed']);
    // nothing moved: no disposition, no CAPA
    expect((await h.record(id)).links ?? []).to.deep.equal([]);

    await h.complete(investigate, 'ivan', { ...INVESTIGATION, capa: 'not-needed', capaJustification: 'The same cause is already under CAPA-2026-0031, due this month.' });
    await h.completeAsHolder(await h.theTask(id, 'disposition'), { decision: 'reject', rationale: 'Dissolution out of specification.' }, 'quinn');
    const closed = await h.record(id);
    expect(closed.status).to.equal('completed');
    expect(closed.links ?? []).to.deep.equal([]);
  });

  it('moves a due date by the built-in extension rule: the investigator asks, the quality manager approves', async () => {
    const id = await classified('major');
    const investigate = await h.theTask(id, 'investigate');
    const asked = await h.call('POST', `/api/tasks/${investigate.id}/extensions`, { dueAt: '2026-09-30', reason: 'Waiting for the dryer qualification report.' }, 'ivan');
    expect(asked.status, asked.text).to.equal(201);
    const decided = await h.call('POST', `/api/tasks/${investigate.id}/extensions/${asked.json.id}/decision`, { decision: 'approve', reason: 'Reasonable; report promised for 28 September.' }, 'quinn');
    expect(decided.status, decided.text).to.equal(200);
    expect((await h.theTask(id, 'investigate')).dueAt!.slice(0, 10)).to.equal('2026-09-30');
  });

  it('is raised by another system as deviation.raised, once per event id, at QA classification', async () => {
    const mes = await userWithToken(h.server, { id: 'mes-plant', roles: ['integration'] });
    const send = async (data: Record<string, unknown>) => {
      const response = await fetch(`${h.server.url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${mes}` },
        body: JSON.stringify({ source: 'mes-plant', eventId: 'dev-7781', type: 'deviation.raised', data }),
      });
      return { status: response.status, json: (await response.json()) as any };
    };
    const data = { title: 'Compression force out of range on press P4', description: 'Press P4 ran 4 minutes above the upper force limit.', product: 'Metformin 500 mg tablets', lots: ['26-0420'], occurredOn: '2026-09-07' };
    const first = await send(data);
    expect(first.status, JSON.stringify(first.json)).to.equal(201);
    expect(first.json.instance.businessKey).to.match(/^DEV-2026-\d{4}$/);
    const again = await send(data);
    expect(again.status).to.equal(200);
    expect(again.json.instance.id).to.equal(first.json.instance.id);
    const stored = await h.server.imsflow.getInstance(first.json.instance.id);
    expect(stored.variables).to.deep.include({ kind: 'unplanned', lots: '26-0420', raisedBy: { system: 'mes-plant', eventId: 'dev-7781', type: 'deviation.raised' } });
    expect(stored.tasks.filter((t) => t.status === 'open').map((t) => t.elementId)).to.deep.equal(['classify']);

    const undated = await fetch(`${h.server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mes}` },
      body: JSON.stringify({ source: 'mes-plant', eventId: 'dev-7782', type: 'deviation.raised', data: { ...data, occurredOn: undefined } }),
    });
    expect(undated.status).to.equal(400);
    expect(JSON.stringify(await undated.json())).to.contain('data.occurredOn');
  });
});
