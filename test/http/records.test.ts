import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { callWithToken } from '../support/http.js';
import { signInOperator, userWithToken } from '../support/operator.js';

/**
 * The records register over JSON and CSV (issue 16, item 3): a person finds a record by a word of its
 * data, filters and sorts, sees only what they may (overseers their sites, staff the records they are
 * involved in), exports what they found, and saves views; bad parameters are 400s that name them.
 */

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="defs-widget" targetNamespace="http://imsflow.org/test">
  <process id="widget" name="Widget defect" isExecutable="true" ims:ownerRole="quality-manager" ims:businessKeyPrefix="WD">
    <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="fix" />
    <userTask id="fix" name="Fix the widget" ims:assignee="\${variables.owner}" ims:due="P2D" />
    <sequenceFlow id="f2" sourceRef="fix" targetRef="e" /><endEvent id="e" />
  </process>
</definitions>`;

describe('the records register API', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  const tokens: Record<string, string> = {};
  const keys: Record<string, string> = {};
  const as = (who: string, method: string, path: string, body?: unknown) => callWithToken(server.url, tokens[who], method, path, body);
  const numbers = (reply: { json: { items: { businessKey: string }[] } }) => reply.json.items.map((i) => i.businessKey).sort();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-register-'));
    clock = new FakeClock('2026-12-01T09:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_DIGEST: 'off', IMSFLOW_CHECK_TIMEOUT_MS: '20000' }), { clock, logger: pino({ level: 'silent' }) });
    tokens.operator = await signInOperator(server);
    tokens.qm = await userWithToken(server, { id: 'qm', name: 'Quinn Manager', roles: ['quality-manager'], sites: ['A'] });
    tokens.sam = await userWithToken(server, { id: 'sam', name: 'Sam Staff', roles: ['staff'], sites: ['A'] });
    tokens.bea = await userWithToken(server, { id: 'bea', name: 'Bea Staff', roles: ['staff'], sites: ['B'] });
    await server.imsflow.deploy(BPMN, 'test-setup');
    const start = async (name: string, variables: Record<string, unknown>, site: string, by: string) => {
      const started = await server.imsflow.start('widget', { variables, site }, by);
      keys[name] = started.businessKey;
      return started;
    };
    await start('valve', { title: 'Leaking valve', description: 'Oil under the hydraulic pump', owner: 'sam' }, 'A', 'sam');
    await start('label', { title: '=HYPERLINK("http://evil")', description: 'Wrong label on batch 4711', owner: 'qm' }, 'A', 'qm');
    clock.advance(3 * 86_400_000);
    await start('seal', { title: 'Cracked seal', description: 'Seal cracked on the pump housing', owner: 'bea' }, 'B', 'bea');
    const [fix] = await server.imsflow.listTasks({ instanceId: (await server.imsflow.queries.instances({ key: 'widget', sites: ['A'] })).find((i) => i.businessKey === keys.label)!.id, status: 'open' });
    await server.imsflow.completeTask(fix!.id, {}, 'qm');
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds a record by a word of its description, of the caller’s sites only', async () => {
    const found = await as('qm', 'GET', '/api/records?q=hydraulic');
    expect(found.status).to.equal(200);
    expect(found.json.total).to.equal(1);
    const [item] = found.json.items;
    expect(item).to.include({ businessKey: keys.valve, title: 'Leaking valve', status: 'running', site: 'A' });
    expect(item.step).to.include({ name: 'Fix the widget', assignee: 'sam', overdue: true, escalationLevel: 0 });
    // the seal at site B has "pump" too, but the quality manager belongs to site A
    expect(numbers(await as('qm', 'GET', '/api/records?q=pump'))).to.deep.equal([keys.valve]);
    expect(numbers(await as('operator', 'GET', '/api/records?q=pump'))).to.deep.equal([keys.valve, keys.seal].sort());
  });

  it('shows staff only the records they are involved in', async () => {
    expect(numbers(await as('sam', 'GET', '/api/records'))).to.deep.equal([keys.valve]);
    expect(numbers(await as('bea', 'GET', '/api/records'))).to.deep.equal([keys.seal]);
  });

  it('filters by status, owner and overdue, and sorts', async () => {
    expect(numbers(await as('qm', 'GET', '/api/records?status=completed'))).to.deep.equal([keys.label]);
    expect(numbers(await as('qm', 'GET', '/api/records?owner=sam&overdue=true'))).to.deep.equal([keys.valve]);
    expect(numbers(await as('operator', 'GET', '/api/records?overdue=true'))).to.deep.equal([keys.valve]);
    const sorted = await as('operator', 'GET', '/api/records?sort=number&dir=asc&pageSize=2');
    expect(sorted.json).to.include({ total: 3, pages: 2, page: 1, pageSize: 2 });
    expect(sorted.json.items.map((i: { businessKey: string }) => i.businessKey)).to.deep.equal([keys.valve, keys.label].sort());
  });

  it('refuses bad parameters with a 400 naming each, and a site not the caller’s with a 403', async () => {
    const bad = await as('qm', 'GET', '/api/records?status=lost&openedFrom=2026-13-01&colour=red');
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field).sort()).to.deep.equal(['colour', 'openedFrom', 'status']);
    const backwards = await as('qm', 'GET', '/api/records?openedFrom=2026-12-05&openedTo=2026-12-01');
    expect(backwards.status).to.equal(400);
    expect(backwards.json.fields).to.deep.equal([{ field: 'openedTo', message: 'is before the first day' }]);
    expect((await as('qm', 'GET', '/api/records?site=B')).status).to.equal(403);
  });

  it('exports the same records as CSV, formula-looking titles neutralised, owners by name', async () => {
    const csv = await as('qm', 'GET', '/api/records.csv?sort=number&dir=asc');
    expect(csv.status).to.equal(200);
    expect(csv.type).to.include('text/csv');
    const lines = csv.text.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).to.match(/^"number","title","process","status"/);
    expect(lines).to.have.length(3);
    expect(csv.text).to.include(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.text).to.include('"Sam Staff"');
    expect(csv.text).to.not.include(keys.seal);
  });

  it('saves, lists and deletes a person’s views, each change audited', async () => {
    const saved = await as('qm', 'POST', '/api/records/views', { name: 'Overdue at A', query: { overdue: 'true', sort: 'due', page: '3' } });
    expect(saved.status).to.equal(201);
    expect(saved.json.query).to.deep.equal({ overdue: 'true', sort: 'due' });
    expect((await as('qm', 'GET', '/api/records/views')).json.items.map((v: { name: string }) => v.name)).to.deep.equal(['Overdue at A']);
    expect((await as('sam', 'GET', '/api/records/views')).json.items).to.deep.equal([]);
    // an administrator editing the person's profile keeps their views
    await server.imsflow.saveUser({ id: 'qm', email: 'qm@example.com', name: 'Quinn Manager-Byrne', roles: ['quality-manager'], sites: ['A'] }, 'operator');
    expect((await as('qm', 'GET', '/api/records/views')).json.items.map((v: { name: string }) => v.name)).to.deep.equal(['Overdue at A']);
    const bad = await as('qm', 'POST', '/api/records/views', { name: 'Broken', query: { status: 'lost' } });
    expect(bad.status).to.equal(400);
    expect(bad.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['query.status']);
    expect((await as('sam', 'DELETE', `/api/records/views/${saved.json.id}`)).status).to.equal(404);
    expect((await as('qm', 'DELETE', `/api/records/views/${saved.json.id}`)).status).to.equal(204);
    expect((await as('qm', 'GET', '/api/records/views')).json.items).to.deep.equal([]);
    const audit = (await server.imsflow.queries.auditTrail({ target: 'user:qm' })).map((e) => [e.action, e.actor]);
    expect(audit).to.deep.include.members([
      ['register.view-saved', 'qm'],
      ['register.view-deleted', 'qm'],
    ]);
  });
});
