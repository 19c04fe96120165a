import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { signInOperator, userWithToken } from '../../support/operator.js';

/** Scheduled starts through the API are bound to sites like the records they start. */
describe('schedules through the API: sites', () => {
  let dir: string;
  let server: RunningServer;
  const tokens: Record<string, string> = {};
  const call = async (method: string, path: string, body: unknown, as: string) => {
    const response = await fetch(`${server.url}/api${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[as]}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const review = (site?: string) => ({ processKey: 'management-review', cron: '0 7 15 1 *', timezone: 'Europe/Zurich', ...(site && { site }) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-schedules-api-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    tokens.operator = await signInOperator(server);
    tokens.basel = await userWithToken(server, { id: 'lukas', roles: ['process-owner'], sites: ['basel'] });
    tokens.dublin = await userWithToken(server, { id: 'ciaran', roles: ['process-owner'], sites: ['dublin'] });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a process owner schedules for their own site only; an admin for every site', async () => {
    expect((await call('PUT', '/schedules/review-basel', review('basel'), 'basel')).status).to.equal(200);
    const other = await call('PUT', '/schedules/review-dublin', review('dublin'), 'basel');
    expect([other.status, other.json.error]).to.deep.equal([403, 'you do not belong to site dublin']);
    const none = await call('PUT', '/schedules/review-all', review(), 'basel');
    expect(none.status).to.equal(400);
    expect(none.json.fields.map((f: { field: string }) => f.field)).to.deep.equal(['site']);
    expect((await call('PUT', '/schedules/review-all', review(), 'operator')).status).to.equal(200);
    expect((await server.imsflow.store.listSchedules()).map((s) => s.id).sort()).to.deep.equal(['review-all', 'review-basel']);
  });

  it('a site-bound owner can neither see, change nor delete another site\'s schedule', async () => {
    const taken = await call('PUT', '/schedules/review-basel', review('dublin'), 'dublin');
    expect([taken.status, taken.json.error]).to.deep.equal([403, 'schedule review-basel starts records of site basel, not only of yours']);
    expect((await call('DELETE', '/schedules/review-basel', undefined, 'dublin')).status).to.equal(403);
    expect((await call('DELETE', '/schedules/review-all', undefined, 'dublin')).status).to.equal(403);
    const list = await call('GET', '/schedules', undefined, 'dublin');
    expect(list.json.items.map((s: { id: string }) => s.id)).to.deep.equal(['review-all']);
    expect((await server.imsflow.store.getSchedule('review-basel'))?.site).to.equal('basel');
    expect((await call('DELETE', '/schedules/review-basel', undefined, 'basel')).status).to.equal(204);
  });
});
