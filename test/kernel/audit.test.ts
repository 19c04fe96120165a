import { expect } from 'chai';
import { openTasks, shipped, testEngine, type TestEngine } from '../helpers.js';

describe('audit trail', () => {
  let t: TestEngine;
  let instanceId: string;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'alice');
    instanceId = (await t.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'alice')).id;
    const { assess } = await openTasks(t.imsflow, instanceId);
    await t.imsflow.completeTask(assess.id, { severity: 'minor', containment: 'reworked', actionNeeded: false }, 'carol');
  });

  it('records who, when (UTC), what, old → new for every change, chained by hash', async () => {
    const events = await t.store.listAudit({});
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_e, i) => i + 1));
    for (const event of events) {
      expect(event.at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(event.actor).to.be.a('string').and.not.empty;
      expect(event.hash).to.match(/^[0-9a-f]{64}$/);
    }
    const completed = events.find((e) => e.action === 'task.completed')!;
    expect(completed).to.include({ actor: 'carol', instanceId });
    expect(completed.old).to.deep.equal({ status: 'open' });
    expect(completed.new).to.deep.equal({ status: 'completed', data: { severity: 'minor', containment: 'reworked', actionNeeded: false } });
    expect(await t.imsflow.verifyAuditTrail()).to.deep.equal({ ok: true, checked: events.length });
  });

  it('detects an edited event', async () => {
    const completed = (await t.store.listAudit({})).find((e) => e.action === 'task.completed')!;
    t.store.unsafeExecForTests(`UPDATE audit SET doc = json_set(doc, '$.actor', 'mallory') WHERE seq = ?`, completed.seq);
    const result = await t.imsflow.verifyAuditTrail();
    expect(result.ok).to.equal(false);
    expect(result.brokenAt).to.deep.equal({ seq: completed.seq, reason: 'content does not match its hash: the event was edited' });
  });

  it('detects a removed event', async () => {
    t.store.unsafeExecForTests('DELETE FROM audit WHERE seq = 3');
    const result = await t.imsflow.verifyAuditTrail();
    expect(result.ok).to.equal(false);
    expect(result.brokenAt?.seq).to.equal(4);
    expect(result.brokenAt?.reason).to.match(/removed/);
  });

  it('detects an event re-sealed after editing (the next link breaks)', async () => {
    const { sealAuditEvent } = await import('../../engine/kernel/audit-chain.js');
    const events = await t.store.listAudit({});
    const target = events[1];
    const { seq, prevHash, hash: _hash, ...input } = target;
    const forged = sealAuditEvent({ ...input, actor: 'mallory' }, seq, prevHash);
    t.store.unsafeExecForTests('UPDATE audit SET doc = ?, hash = ? WHERE seq = ?', JSON.stringify(forged), forged.hash, seq);
    const result = await t.imsflow.verifyAuditTrail();
    expect(result.ok).to.equal(false);
    expect(result.brokenAt?.seq).to.equal(seq + 1);
  });
});
