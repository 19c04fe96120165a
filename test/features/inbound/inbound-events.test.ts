import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { userWithToken } from '../../support/operator.js';

/**
 * Inbound events (POST /api/events, engine/features/inbound/inbound.ts) against a listening server with the shipped
 * processes: an MES raising a nonconformity starts a CAPA at triage; repeats, also concurrent ones, get
 * the first CAPA back; bad input is a 400 naming the field; only integration accounts (and admins) may send.
 */

describe('inbound events (POST /api/events)', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let dir: string;
  const tokens: Record<string, string> = {};

  const post = async (body: unknown, token: string | undefined = tokens.mes) => {
    const response = await fetch(`${server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const capas = async () => (await server.imsflow.store.listInstances({ key: 'capa', limit: 1000 })).length;
  const event = (eventId: string, data: Record<string, unknown> = {}) => ({
    source: 'mes-dublin',
    eventId,
    type: 'nonconformity.raised',
    data: { title: 'Fill weight out of limits on line 3', description: 'Batch 24-1187: 14 of 200 vials below 4.85 mL; line stopped at 10:40.', reference: 'NC-MES-5521', occurredOn: '2026-11-21', ...data },
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-inbound-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', LOG_LEVEL: 'silent' }), { clock: new FakeClock('2026-11-22T08:00:00Z'), logger: pino({ level: 'silent' }) });
    tokens.mes = await userWithToken(server, { id: 'mes-dublin', roles: ['integration'], sites: ['dublin'] });
    tokens.admin = await userWithToken(server, { id: 'ops-admin', roles: ['admin'] });
    tokens.staff = await userWithToken(server, { id: 'line-operator', roles: ['staff'], sites: ['dublin'] });
    tokens.qm = await userWithToken(server, { id: 'dublin-qm', roles: ['quality-manager'], sites: ['dublin'] });
    tokens.both = await userWithToken(server, { id: 'mes-group', roles: ['integration'], sites: ['dublin', 'basel'] });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a CAPA at triage from an MES nonconformity, at the sender\'s site, audited', async () => {
    const reply = await post(event('evt-1001'));
    expect(reply.status).to.equal(201);
    expect(reply.json.created).to.equal(true);
    expect(reply.json.event).to.include({ source: 'mes-dublin', eventId: 'evt-1001', type: 'nonconformity.raised', receivedBy: 'mes-dublin', processKey: 'capa' });
    expect(reply.json.instance.businessKey).to.match(/^CAPA-2026-\d{4}$/);
    const record = await server.imsflow.getInstance(reply.json.instance.id);
    expect(record).to.include({ site: 'dublin', status: 'running', startedBy: 'mes-dublin' });
    expect(record.variables).to.deep.include({
      source: 'nonconforming-product',
      title: 'Fill weight out of limits on line 3',
      reference: 'NC-MES-5521',
      occurredOn: '2026-11-21',
      raisedBy: { system: 'mes-dublin', eventId: 'evt-1001', type: 'nonconformity.raised' },
    });
    // recorded at the source: no intake task, straight to triage
    expect(record.tasks.filter((t) => t.status === 'open').map((t) => t.elementId)).to.deep.equal(['triage']);
    const started = record.history.find((e) => e.action === 'instance.started')!;
    const received = record.history.find((e) => e.action === 'inbound.received')!;
    expect(received).to.include({ actor: 'mes-dublin', target: 'inbound:mes-dublin:evt-1001' });
    expect(received.new).to.deep.include({ eventId: 'evt-1001', businessKey: reply.json.instance.businessKey });
    // one commit: the events are adjacent in the chain, nothing of another change between them
    const seqs = record.history.filter((e) => e.seq >= started.seq && e.seq <= received.seq).map((e) => e.seq);
    expect(seqs).to.deep.equal(Array.from({ length: received.seq - started.seq + 1 }, (_, n) => started.seq + n));
  });

  it('answers a repeated event with the same record (200), never a second CAPA', async () => {
    const first = await post(event('evt-2001'));
    const before = await capas();
    const again = await post(event('evt-2001'));
    expect(again.status).to.equal(200);
    expect(again.json.created).to.equal(false);
    expect(again.json.event).to.deep.equal(first.json.event);
    expect(again.json.instance).to.deep.equal(first.json.instance);
    expect(await capas()).to.equal(before);
    const other = await post({ ...event('evt-2001'), source: 'erp' }, tokens.mes);
    expect(other.status).to.equal(201);
    expect(other.json.instance.businessKey).to.not.equal(first.json.instance.businessKey);
  });

  it('many concurrent repeats of one event start one CAPA, and all get the same record', async () => {
    const before = await capas();
    const replies = await Promise.all(Array.from({ length: 12 }, () => post(event('evt-3001', { title: 'Concurrent repeat' }))));
    expect(replies.map((r) => r.status).sort()).to.deep.equal([...Array(11).fill(200), 201]);
    expect(new Set(replies.map((r) => r.json.instance.id)).size).to.equal(1);
    expect(await capas()).to.equal(before + 1);
    const raised = (await server.imsflow.store.listInstances({ key: 'capa', limit: 1000 })).filter((i) => (i.variables.raisedBy as { eventId?: string } | undefined)?.eventId === 'evt-3001');
    expect(raised).to.have.length(1);
    expect((await server.imsflow.store.listAudit({ target: 'inbound:mes-dublin:evt-3001' })).map((e) => e.action)).to.deep.equal(['inbound.received']);
  });

  it('refuses an event id used before with other data (409), starting nothing', async () => {
    await post(event('evt-4001'));
    const before = await capas();
    const reused = await post(event('evt-4001', { title: 'Something else entirely' }));
    expect(reused.status).to.equal(409);
    expect(reused.json.error).to.match(/event evt-4001 from mes-dublin was received already .* with other data/);
    expect(await capas()).to.equal(before);
  });

  it('answers bad input with 400 naming the field, and starts nothing', async () => {
    const before = await capas();
    const cases: [unknown, string[]][] = [
      [{ ...event('bad-1'), data: { description: 'no title' } }, ['data.title']],
      [{ ...event('bad-2'), data: { title: ' ', description: 'blank title' } }, ['data.title']],
      [event('bad-3', { occurredOn: 'yesterday' }), ['data.occurredOn']],
      [event('bad-4', { category: 'gossip' }), ['data.category']],
      [event('bad-5', { severity: 'high' }), ['data']],
      [{ ...event('bad-6'), type: 'nonconformity.exploded' }, ['type']],
      [{ ...event('bad-7'), source: 'mes dublin/../x' }, ['source']],
      [{ ...event('bad-8'), eventId: '' }, ['eventId']],
      [{ source: 'mes-dublin', type: 'nonconformity.raised' }, ['eventId', 'data']],
    ];
    for (const [body, fields] of cases) {
      const reply = await post(body);
      expect(reply.status, JSON.stringify(body)).to.equal(400);
      expect(reply.json.fields.map((f: { field: string }) => f.field), JSON.stringify(body)).to.deep.equal(fields);
    }
    const unknownType = await post({ ...event('bad-9'), type: 'nonconformity.exploded' });
    // the built-in type and those the shipped packs bring (ProcessPack.inbound)
    expect(unknownType.json.fields[0].message).to.match(/^one of nonconformity\.raised(, [a-z-]+\.[a-z-]+)*$/);
    expect(await capas()).to.equal(before);
  });

  it('only integration accounts and admins may send events (401 or 403 for others)', async () => {
    expect((await post(event('role-1'), '')).status).to.equal(401);
    expect((await post(event('role-2'), tokens.staff)).status).to.equal(403);
    const qm = await post(event('role-3'), tokens.qm);
    expect(qm.status).to.equal(403);
    expect(qm.json.error).to.include('integration');
    const admin = await post({ ...event('role-4'), site: 'basel' }, tokens.admin);
    expect(admin.status).to.equal(201);
    expect((await server.imsflow.store.getInstance(admin.json.instance.id))?.site).to.equal('basel');
  });

  it('keeps an integration account to its sites; one of several sites must name one', async () => {
    const before = await capas();
    const elsewhere = await post({ ...event('site-1'), site: 'basel' });
    expect(elsewhere.status).to.equal(403);
    expect(elsewhere.json.error).to.include('site basel');
    const unnamed = await post(event('site-2'), tokens.both);
    expect(unnamed.status).to.equal(400);
    expect(unnamed.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['site']);
    expect(unnamed.json.fields[0].message).to.match(/^one of (dublin, basel|basel, dublin)$/);
    expect(await capas()).to.equal(before);
    expect((await post({ ...event('site-3'), site: 'basel' }, tokens.both)).status).to.equal(201);
  });
});
